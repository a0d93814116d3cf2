package org.vmhost.it;

import static org.vmhost.it.XendInstance.IMAGES;

import java.util.ArrayList;
import java.util.List;

/**
 * The config text of the pv guest most ITs boot: the guest builder's kernel and initramfs, booted directly on
 * microvm with 256 MiB and its console on ttyS0. Each test adds its disks, kernel arguments and further lines:
 * <pre>{@code PvGuestConfig.named("sr1").kernelArgs("vmhost.dhcp=0").disk("tap:qcow2:" + image + ",xvda,w")
 *         .line("on_poweroff = 'destroy'").text()}</pre>
 */
final class PvGuestConfig {
    private final String name;
    private final List<String> lines = new ArrayList<>();
    private final List<String> disks = new ArrayList<>();
    private String kernelArgs = "";

    private PvGuestConfig(String name) {
        this.name = name;
    }

    /** A guest of this name, written into the text as it is (tests of odd names rely on that). */
    static PvGuestConfig named(String name) {
        return new PvGuestConfig(name);
    }

    /** Kernel arguments after {@code console=ttyS0 quiet}. */
    PvGuestConfig kernelArgs(String args) {
        kernelArgs += " " + args;
        return this;
    }

    /** One entry of the disk list, e.g. {@code tap:qcow2:/path,xvda,r}; the list may stay empty. */
    PvGuestConfig disk(String spec) {
        disks.add(spec);
        return this;
    }

    PvGuestConfig disks(List<String> specs) {
        disks.addAll(specs);
        return this;
    }

    /** Text after the disk list: a setting, or several lines. */
    PvGuestConfig line(String text) {
        lines.add(text);
        return this;
    }

    String text() {
        StringBuilder t = new StringBuilder("""
                name = "%s"
                type = "pv"
                memory = 256
                kernel = "%s"
                ramdisk = "%s"
                extra = "console=ttyS0 quiet%s"
                """.formatted(name, IMAGES.resolve("vmlinuz"), IMAGES.resolve("initrd.img"), kernelArgs));
        t.append("disk = [ ").append(String.join(", ", disks.stream().map(d -> "'" + d + "'").toList())).append(" ]\n");
        lines.forEach(l -> t.append(l).append('\n'));
        return t.toString();
    }
}
