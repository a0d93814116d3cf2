package org.vmhost.security;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.vmhost.it.XendInstance.IMAGES;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.vmhost.host.HostCommand;
import org.vmhost.it.XendInstance;
import org.vmhost.it.XmConsole;

/**
 * A guest cannot make the host read a host file through its disk. The attack: a guest writes a qcow2 header
 * into its own raw disk, naming a host file (here a planted secret) as a raw backing file. A host that probed
 * image formats would then report the disk as a qcow2 over the secret, copy the secret's bytes into a clone, and
 * hand them to the next guest that boots from the clone. Here the pool recorded the disk as raw when it made it,
 * so every part of the host keeps reading it as raw: {@code xm image-info} says raw with no backing file,
 * {@code xm image-clone} copies the guest's bytes, and guests booted from the image, the clone, or a linked clone
 * over it see those bytes and never the secret. A config that calls the image qcow2 is refused before QEMU starts.
 *
 * <p>The header is made on the host with qemu-img and given to the guest as a second, read-only disk; the guest
 * copies it over its writable disk with dd, through its serial console, as malicious guest software would.
 */
@Tag("security")
class GuestWrittenImageHeaderIT {
    static XendInstance xend;
    static Path work;
    static Path secret;
    static String secretText;

    @BeforeAll
    static void startXend() throws IOException {
        xend = XendInstance.create().start();
        work = Files.createDirectories(xend.home().resolve("attack"));
        secretText = "vmhost-host-secret-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        secret = work.resolve("host-secret.txt");
        Files.writeString(secret, (secretText + "\n").repeat(64));
    }

    @AfterAll
    static void stopXend() throws IOException {
        if (xend != null) xend.close();
        assertThat(xend.qemuPids()).as("QEMU processes left behind").isEmpty();
    }

    static String pv(String name, String... disks) {
        return """
                name = "%s"
                type = "pv"
                memory = 256
                kernel = "%s"
                ramdisk = "%s"
                extra = "console=ttyS0 quiet vmhost.dhcp=0"
                disk = [ %s ]
                on_poweroff = 'destroy'
                """.formatted(name, IMAGES.resolve("vmlinuz"), IMAGES.resolve("initrd.img"),
                String.join(", ", List.of(disks).stream().map(d -> "'" + d + "'").toList()));
    }

    /** The shell function the guest uses to find a disk by its size in MiB: {@code disk 48} prints vdX. */
    static final String FIND_DISK = "disk() { for b in /sys/class/block/*; do [ -e $b/device ] && "
            + "[ \"$(cat $b/size)\" = $(( $1 * 2048 )) ] && echo ${b##*/}; done; }\n";

    static byte[] head(Path file, int n) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] b = new byte[n];
            f.readFully(b);
            return b;
        }
    }

    @Test
    void aQcow2HeaderAGuestWritesIntoItsRawDiskNeverMakesTheHostReadAHostFile() throws Exception {
        Path pool = xend.home().resolve("images");
        xend.xm("image-create", "victim.raw", "64M").requireSuccess();
        Path victim = pool.resolve("victim.raw");

        // The header, padded to 1 MiB so that the guest tells the disks apart by size.
        Path header = work.resolve("header.qcow2");
        HostCommand.of(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", secret.toString(), "-F", "raw",
                header.toString(), "64M")).run();
        try (RandomAccessFile f = new RandomAccessFile(header.toFile(), "rw")) {
            f.setLength(1 << 20);
        }

        // 1. The guest writes the header over its own disk.
        xend.xm("create", xend.config("attacker.cfg", pv("attacker", "file:" + victim + ",xvda,w",
                "file:" + header + ",xvdb,r")).toString()).requireSuccess();
        try (XmConsole c = XmConsole.open(xend, "attacker")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
            c.type(FIND_DISK);
            c.type("dd if=/dev/$(disk 1) of=/dev/$(disk 64) bs=64k conv=notrunc 2>/dev/null; r=$?; sync; echo dd-rc-$r-end\n");
            c.awaitMatch("dd-rc-[0-9]+-end", Duration.ofSeconds(60));
            assertThat(c.text()).contains("dd-rc-0-end");
        }
        xend.xm("shutdown", "-w", "attacker").requireSuccess();
        assertThat(new String(head(victim, 4), ISO_8859_1)).as("the guest really wrote a qcow2 header").isEqualTo("QFI\u00fb");

        // 2. The host inspects the image: raw, as the pool made it, with no backing file.
        String info = xend.xm("image-info", "victim.raw").requireSuccess().out();
        assertThat(info).contains("format:       raw", "backing file: none").doesNotContain(secret.toString());
        assertThat(xend.xm("image-list").requireSuccess().out()).containsPattern("victim\\.raw +raw ");

        // 3. The host clones it: the clone holds the guest's bytes, not the secret file's.
        xend.xm("image-clone", "victim.raw", "copy.raw").requireSuccess();
        Path copy = pool.resolve("copy.raw");
        assertThat(xend.xm("image-info", "copy.raw").requireSuccess().out()).contains("format:       raw", "backing file: none");
        assertThat(Files.size(copy)).isEqualTo(64L << 20);
        assertThat(new String(head(copy, 4), ISO_8859_1)).isEqualTo("QFI\u00fb");
        assertThat(new String(Files.readAllBytes(copy), ISO_8859_1)).as("the secret's text in the clone").doesNotContain(secretText);
        xend.xm("image-clone", "--linked", "victim.raw", "linked.qcow2").requireSuccess();

        // 4. A config that calls the raw image qcow2 is refused before any QEMU starts.
        List<Long> before = xend.qemuPids();
        XendInstance.Result asQcow2 = xend.xm("create", xend.config("probe.cfg", pv("probe", "tap:qcow2:" + victim + ",xvda,w"))
                .toString());
        assertThat(asQcow2.exit()).isNotZero();
        assertThat(asQcow2.err()).contains("disk xvda", "recorded as raw");
        assertThat(xend.qemuPids()).containsExactlyInAnyOrderElementsOf(before);

        // 5. Guests booted from the clone, the image and a linked clone over it see the header as data, never the secret.
        xend.xm("create", xend.config("reader.cfg", pv("reader", "file:" + copy + ",xvda,r", "file:" + victim + ",xvdb,r",
                "tap:qcow2:" + pool.resolve("linked.qcow2") + ",xvdc,r", "file:" + header + ",xvdd,r")).toString()).requireSuccess();
        try (XmConsole c = XmConsole.open(xend, "reader")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
            c.type(FIND_DISK);
            // Three disks of 64 MiB: each must start with the header's bytes and hold no trace of the secret in its first
            // MiB (where a host that followed the header would have put the secret's bytes: a clone's first data cluster,
            // a linked clone's backing data at offset 0).
            c.type("n=0; for d in $(disk 64); do n=$((n+1)); m=$(head -c 3 /dev/$d); [ \"$m\" = QFI ] && q=qfi || q=other; "
                    + "head -c 1048576 /dev/$d | tr '\\000' '\\n' | grep -q '" + secretText + "' && s=seen || s=clean; echo look-$d-$q-$s-end; done; echo disks-$n-end\n");
            c.awaitMatch("disks-[0-9]+-end", Duration.ofSeconds(120));
            String text = c.text();
            assertThat(text).contains("disks-3-end");
            Matcher m = Pattern.compile("look-(vd[a-z])-(qfi|other)-(seen|clean)-end").matcher(text);
            int seen = 0;
            while (m.find()) {
                seen++;
                assertThat(m.group(2) + "-" + m.group(3)).as("disk %s", m.group(1)).isEqualTo("qfi-clean");
            }
            assertThat(seen).isEqualTo(3);
        }
        xend.xm("destroy", "reader").requireSuccess();
    }

    @Test
    void aLinkedClonesBackingImageCannotBeDeletedWhileTheCloneExists() {
        xend.xm("image-create", "base.raw", "8M").requireSuccess();
        xend.xm("image-clone", "--linked", "base.raw", "child.qcow2").requireSuccess();
        XendInstance.Result delete = xend.xm("image-delete", "base.raw");
        assertThat(delete.exit()).isNotZero();
        assertThat(delete.err()).contains("linked clone child.qcow2");
        assertThat(xend.home().resolve("images/base.raw")).exists();
        xend.xm("image-delete", "child.qcow2").requireSuccess();
        xend.xm("image-delete", "base.raw").requireSuccess();
    }

    @Test
    void listingAPoolNeverMakesItsDirectoryAndOnlyXendsPoolsAreRead() {
        Path madeByRead = Path.of("/tmp/vmhost-made-by-get-" + ProcessHandle.current().pid());
        XendInstance.Result list = xend.xm("image-list", "-p", madeByRead.toString());
        assertThat(list.exit()).isNotZero();
        assertThat(list.err()).contains("is not one of xend's storage pools");
        assertThat(madeByRead).doesNotExist();
        XendInstance.Result root = xend.xm("image-list", "-p", "/root");
        assertThat(root.exit()).isNotZero();
        assertThat(root.err()).contains("/root is not one of xend's storage pools");
    }

    /** {@code xm console} of a domain, its output collected. */
}
