package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code xm snapshot-create|list|apply|delete} on a real pv guest's qcow2 disk: applying a full snapshot brings
 * back the running guest (a value in its shell's memory and the bytes it wrote to its disk), also to a shut-off
 * domain, which starts from it; a disk-only snapshot returns a shut-off domain's disk; a taken or invalid name, an
 * unknown snapshot, a disk-only apply to a running guest, a memory snapshot of a guest with a hot-plugged disk and a
 * domain with a raw disk are refused with the reason.
 */
class XendSnapshotIT {
    static XendInstance xend;
    static Path work;

    @BeforeAll
    static void startXend() throws IOException {
        xend = XendInstance.create().start();
        work = Files.createDirectories(xend.home().resolve("snapdisks"));
    }

    @AfterAll
    static void stopXend() throws IOException {
        if (xend != null) xend.close();
        assertThat(xend.qemuPids()).as("QEMU processes left behind").isEmpty();
    }

    static String pv(String name, String disk) {
        return PvGuestConfig.named(name).kernelArgs("vmhost.dhcp=0").disk(disk + ",xvda,w")
                .line("on_poweroff = 'destroy'").text();
    }

    static Path image(String name, String format) {
        Path p = work.resolve(name);
        HostDisks.run(List.of("qemu-img", "create", "-q", "-f", format, p.toString(), "16M"));
        return p;
    }

    /** Sets the shell's {@code KEPT} and writes {@code mark} at byte 512 of the guest's disk. */
    static void setState(XmConsole c, String value) throws IOException {
        c.type("KEPT=" + value + "; echo disk-" + value + " > /tmp/m; dd if=/tmp/m of=/dev/vda bs=512 seek=1 count=1 2>/dev/null;"
                + " sync; echo state-set-$KEPT\n");
        c.awaitText("state-set-" + value, Duration.ofSeconds(30));
    }

    /** Reads the shell's {@code KEPT} and the disk's mark back: {@code now-VALUE-MARK}. */
    static void expectState(String domain, String value, String mark) throws IOException {
        try (XmConsole c = XmConsole.open(xend, domain)) {
            c.type("\necho now-$KEPT-$(dd if=/dev/vda bs=512 skip=1 count=1 2>/dev/null | head -c 11)-end\n");
            c.awaitMatch("now-[^-\\s]*-[^\\s]*-end", Duration.ofSeconds(60));
            assertThat(c.text()).contains("now-" + value + "-disk-" + mark + "-end");
        }
    }

    static XendInstance.Result refused(String... args) {
        XendInstance.Result r = xend.xm(args);
        assertThat(r.exit()).as(r.out()).isNotZero();
        return r;
    }

    @Test
    void aFullSnapshotBringsBackTheRunningGuestAndItsDiskAlsoToAShutOffDomain() throws Exception {
        Path disk = image("sn1.qcow2", "qcow2");
        xend.xm("new", xend.config("sn1.cfg", pv("sn1", "tap:qcow2:" + disk)).toString()).requireSuccess();
        xend.xm("start", "sn1").requireSuccess();
        try (XmConsole c = XmConsole.open(xend, "sn1")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(120));
            setState(c, "first");
            xend.xm("snapshot-create", "sn1", "before").requireSuccess();
            setState(c, "second");
        }
        String list = xend.xm("snapshot-list", "sn1").requireSuccess().out();
        assertThat(list).containsPattern("before\\s+full");

        // Bad input: a taken name, an invalid one, an unknown snapshot; nothing changes.
        assertThat(refused("snapshot-create", "sn1", "before").err()).contains("already", "before");
        assertThat(refused("snapshot-create", "sn1", "bad/name").err()).contains("invalid snapshot name");
        assertThat(refused("snapshot-apply", "sn1", "nosuch").err()).contains("no snapshot named 'nosuch'");
        assertThat(xend.xm("snapshot-list", "sn1").requireSuccess().out()).isEqualTo(list);

        xend.xm("snapshot-apply", "sn1", "before").requireSuccess();
        expectState("sn1", "first", "first");

        // Shut off, the domain starts from the snapshot: the guest as it was, not a new boot.
        xend.xm("destroy", "sn1").requireSuccess();
        xend.xm("snapshot-apply", "sn1", "before").requireSuccess();
        assertThat(xend.xm("list", "sn1").requireSuccess().out()).containsPattern("sn1\\s+\\d+");
        expectState("sn1", "first", "first");

        xend.xm("snapshot-delete", "sn1", "before").requireSuccess();
        assertThat(xend.xm("snapshot-list", "sn1").requireSuccess().out()).doesNotContain("before");
        assertThat(refused("snapshot-delete", "sn1", "before").err()).contains("no snapshot named 'before'");
        xend.xm("destroy", "sn1").requireSuccess();
        xend.xm("delete", "sn1").requireSuccess();
    }

    @Test
    void aDiskOnlySnapshotReturnsAShutOffDomainsDiskAndIsRefusedWhileTheGuestRuns() throws Exception {
        Path disk = image("sn2.qcow2", "qcow2");
        xend.xm("new", xend.config("sn2.cfg", pv("sn2", "tap:qcow2:" + disk)).toString()).requireSuccess();
        xend.xm("start", "sn2").requireSuccess();
        try (XmConsole c = XmConsole.open(xend, "sn2")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(120));
            // A disk hot-plugged while it runs: its memory snapshot is refused, naming the disk, as a save is (a QEMU
            // started from the configuration could not take that state); its disks alone are not affected.
            Path extra = image("sn2-extra.qcow2", "qcow2");
            xend.xm("block-attach", "sn2", "tap:qcow2:" + extra, "xvdb", "w").requireSuccess();
            assertThat(refused("snapshot-create", "sn2", "hot").err())
                    .contains("cannot snapshot the memory of domain 'sn2'", "disk xvdb", "hot-plugged", "(-d)");
            assertThat(xend.xm("snapshot-list", "sn2").requireSuccess().out()).doesNotContain("hot");
            xend.xm("block-detach", "sn2", "xvdb").requireSuccess();
            setState(c, "one");
            xend.xm("snapshot-create", "-d", "sn2", "disks1").requireSuccess();
            setState(c, "two");
        }
        assertThat(xend.xm("snapshot-list", "sn2").requireSuccess().out()).containsPattern("disks1\\s+disks");
        assertThat(refused("snapshot-apply", "sn2", "disks1").err()).contains("disk-only", "while it runs");
        xend.xm("destroy", "sn2").requireSuccess();
        // Shut off: a memory snapshot is refused; the disks are taken and applied with qemu-img.
        assertThat(refused("snapshot-create", "sn2", "mem").err()).contains("not running", "-d");
        xend.xm("snapshot-create", "-d", "sn2", "disks2").requireSuccess();
        xend.xm("snapshot-apply", "sn2", "disks1").requireSuccess();
        Path raw = work.resolve("sn2.out");
        HostDisks.run(List.of("qemu-img", "convert", "-f", "qcow2", "-O", "raw", disk.toString(), raw.toString()));
        byte[] bytes = Files.readAllBytes(raw);
        assertThat(new String(bytes, 512, 8, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("disk-one");
        assertThat(xend.xm("snapshot-list", "sn2").requireSuccess().out()).contains("disks1", "disks2");
        xend.xm("snapshot-delete", "sn2", "disks2").requireSuccess();
        xend.xm("delete", "sn2").requireSuccess();
    }

    @Test
    void aDomainWithARawDiskIsRefusedNamingIt() throws Exception {
        Path disk = image("sn3.raw", "raw");
        xend.xm("new", xend.config("sn3.cfg", pv("sn3", "file:" + disk)).toString()).requireSuccess();
        XendInstance.Result r = refused("snapshot-create", "-d", "sn3", "x");
        assertThat(r.err()).contains("xvda", disk.toString(), "raw", "qcow2");
        assertThat(refused("snapshot-list", "sn3").err()).contains("raw");
        xend.xm("delete", "sn3").requireSuccess();
    }
}
