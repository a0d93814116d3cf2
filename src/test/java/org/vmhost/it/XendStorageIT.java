package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.vmhost.it.XendInstance.IMAGES;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every kind of disk as a guest really sees it: image files (raw, sparse, and qcow2, in xm's and xl's
 * forms), block devices (a whole loop device, a partition, an LVM logical volume), read-only and
 * read-write, CD-ROMs from ISO files, on virtio (xvd), IDE (hd) and SCSI (sd). The guest reports each disk's
 * size, writes a mark into every writable one (found again in the host's file or device after shutdown)
 * and is refused writing to a read-only one. And the rules around them: a disk given writable to a running
 * domain is refused to a second one, naming the first; a missing target is refused before QEMU starts.
 *
 * <p>Disks are told apart in the guest by size (each a different number of MiB), since a guest names
 * them in its own probe order.
 */
class XendStorageIT {
    static XendInstance xend;
    static HostDisks host;
    static Path work;

    @BeforeAll
    static void startXend() throws IOException {
        xend = XendInstance.create();
        host = new HostDisks();
        work = Files.createDirectories(xend.home().resolve("disks"));
        // A pool besides xend's own is one the administrator names in xend.conf.
        Files.writeString(xend.home().resolve("xend.conf"), "image_pools = [ '" + Files.createDirectories(work.resolve("pool")) + "' ]\n");
        xend.start();
    }

    @AfterAll
    static void stopXend() throws IOException {
        try {
            if (xend != null) xend.close();
        } finally {
            if (host != null) host.close();
        }
        assertThat(xend.qemuPids()).as("QEMU processes left behind").isEmpty();
    }

    static String pv(String name, String... disks) {
        return PvGuestConfig.named(name).kernelArgs("vmhost.dhcp=0").disks(List.of(disks))
                .line("on_poweroff = 'destroy'").text();
    }

    static Path image(String name, String format, int mib) {
        Path p = work.resolve(name);
        HostDisks.run(List.of("qemu-img", "create", "-q", "-f", format, p.toString(), mib + "M"));
        return p;
    }

    static XmConsole console(String domain) throws IOException {
        return XmConsole.open(xend, domain);
    }

    /** The shell function the guest uses to find a disk by its size in MiB: {@code disk 48} prints vdX or sdX. */
    static final String FIND_DISK = "disk() { for b in /sys/class/block/*; do [ -e $b/device ] && "
            + "[ \"$(cat $b/size)\" = $(( $1 * 2048 )) ] && echo ${b##*/}; done; }\n";

    /**
     * Types a check of one disk: prints {@code res-MIB-NAME-RO-RC}, the disk's guest name, its read-only flag
     * and dd's exit status writing {@code mark} at byte 512.
     */
    static String probe(int mib, String mark) {
        return "d=$(disk " + mib + "); echo " + mark + " > /tmp/m; dd if=/tmp/m of=/dev/$d bs=512 seek=1 count=1 "
                + "conv=notrunc 2>/dev/null; rc=$?; sync; echo res-" + mib + "-$d-$(cat /sys/block/$d/ro)-$rc\n";
    }

    record Seen(String name, boolean readOnly, boolean written) {
    }

    /** Waits for the guest's answer about the disk of {@code mib} MiB (not the echo of the typed line). */
    static void awaitAnswer(XmConsole c, int mib, Duration timeout) {
        awaitMatch(c, "res-" + mib + "-[a-z]+-[01]-[0-9]+", timeout);
    }

    static void awaitMatch(XmConsole c, String regex, Duration timeout) {
        c.awaitMatch(regex, timeout);
    }

    static Seen seen(String text, int mib) {
        Matcher m = Pattern.compile("res-" + mib + "-([a-z]+)-([01])-([0-9]+)").matcher(text);
        assertThat(m.find()).as("the guest's answer for the %d MiB disk in:%n%s", mib, text).isTrue();
        return new Seen(m.group(1), m.group(2).equals("1"), m.group(3).equals("0"));
    }

    static String mark(Path rawFileOrDevice) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(rawFileOrDevice.toFile(), "r")) {
            byte[] b = new byte[32];
            f.seek(512);
            f.readFully(b);
            String s = new String(b, StandardCharsets.ISO_8859_1);
            return s.substring(0, Math.max(0, s.indexOf('\n')));
        }
    }

    static Path asRaw(Path qcow2) {
        Path raw = work.resolve(qcow2.getFileName() + ".raw");
        HostDisks.run(List.of("qemu-img", "convert", "-f", "qcow2", "-O", "raw", qcow2.toString(), raw.toString()));
        return raw;
    }

    static Path iso(String name, String file, String content) throws IOException {
        Path dir = Files.createDirectories(work.resolve(name + ".d"));
        Files.writeString(dir.resolve(file), content);
        Path iso = work.resolve(name + ".iso");
        HostDisks.run(List.of("genisoimage", "-quiet", "-r", "-V", "VMHOST", "-o", iso.toString(), dir.toString()));
        return iso;
    }

    @Test
    void aPvGuestSeesFileAndBlockDisksReadOnlyAndWritableAndACdRom() throws Exception {
        Path raw = image("a.raw", "raw", 48);
        Path qcow2 = image("b.qcow2", "qcow2", 40);
        Path loopFile = image("c.raw", "raw", 24);
        Path loop = host.loop(loopFile);
        Path ro = image("e.raw", "raw", 20);
        Files.writeString(work.resolve("e.before"), "");
        Path aio = image("f.raw", "raw", 28);
        Path xlQcow2 = image("g.qcow2", "qcow2", 36);
        Path part = host.partition(work.resolve("h.disk"), 40, 16);
        Path iso = iso("cd1", "hello.txt", "hello from the host's ISO\n");
        assertThat(Files.size(raw)).isEqualTo(48L << 20);

        xend.xm("create", xend.config("d1.cfg", pv("d1",
                "file:" + raw + ",xvda,w",
                "tap:qcow2:" + qcow2 + ",xvdb,w",
                "phy:" + loop + ",xvdc,w",
                "file:" + ro + ",xvde,r",
                "tap:aio:" + aio + ",xvdf,w",
                "format=qcow2,vdev=xvdg,access=rw,target=" + xlQcow2,
                "phy:" + part + ",xvdh,w",
                "file:" + iso + ",sda:cdrom,r")).toString()).requireSuccess();
        try (XmConsole c = console("d1")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
            assertThat(c.text()).contains("vda(", "vdb(", "vdc(", "vdd(", "vde(", "vdf(", "vdg(", "sr0(");
            c.type(FIND_DISK);
            for (int mib : new int[] {48, 40, 24, 20, 28, 36, 16}) c.type(probe(mib, "vmhost-mark-" + mib));
            c.type("mount -t iso9660 -o ro /dev/sr0 /mnt && cat /mnt/hello.txt; umount /mnt\n");
            awaitAnswer(c, 16, Duration.ofSeconds(60));
            c.awaitText("hello from the host's ISO", Duration.ofSeconds(30));
            String text = c.text();
            for (int mib : new int[] {48, 40, 24, 28, 36, 16}) {
                Seen s = seen(text, mib);
                assertThat(s.name()).as("%d MiB disk", mib).startsWith("vd");
                assertThat(s.readOnly()).as("%d MiB disk read-only", mib).isFalse();
                assertThat(s.written()).as("%d MiB disk written", mib).isTrue();
            }
            Seen r = seen(text, 20);
            assertThat(r.readOnly()).as("the r disk is read-only in the guest").isTrue();
            assertThat(r.written()).as("writing the r disk is refused in the guest").isFalse();
        }
        xend.xm("shutdown", "-w", "d1").requireSuccess();

        assertThat(mark(raw)).isEqualTo("vmhost-mark-48");
        assertThat(mark(asRaw(qcow2))).isEqualTo("vmhost-mark-40");
        assertThat(mark(loop)).isEqualTo("vmhost-mark-24");
        assertThat(mark(loopFile)).isEqualTo("vmhost-mark-24");
        assertThat(mark(ro)).isEmpty();
        assertThat(mark(aio)).isEqualTo("vmhost-mark-28");
        assertThat(mark(asRaw(xlQcow2))).isEqualTo("vmhost-mark-36");
        assertThat(mark(part)).isEqualTo("vmhost-mark-16");
        try (RandomAccessFile f = new RandomAccessFile(work.resolve("h.disk").toFile(), "r")) {
            byte[] b = new byte[16];
            f.seek(2048L * 512 + 512);
            f.readFully(b);
            assertThat(new String(b, StandardCharsets.ISO_8859_1)).as("the partition's sectors in its disk").startsWith("vmhost-mark-16");
        }
        // A raw image stays sparse: only what the guest wrote takes space.
        long blocks = Long.parseLong(HostDisks.run(List.of("stat", "--format=%b", raw.toString())).strip());
        assertThat(blocks * 512).as("space the 48 MiB raw image takes").isLessThan(8L << 20);
    }

    @Test
    void aPvGuestSeesAnLvmLogicalVolume() throws Exception {
        assumeThat(HostDisks.deviceMapperAvailable()).as("this kernel has device-mapper (LVM needs it)").isTrue();
        String vg = "vmhtest" + ProcessHandle.current().pid();
        Path lv = host.logicalVolume(work.resolve("vg.disk"), vg, "lv1", 12);
        xend.xm("create", xend.config("lv1.cfg", pv("lv1", "phy:" + lv + ",xvda,w")).toString()).requireSuccess();
        try (XmConsole c = console("lv1")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
            c.type(FIND_DISK);
            c.type(probe(12, "vmhost-mark-lv"));
            awaitAnswer(c, 12, Duration.ofSeconds(30));
            assertThat(seen(c.text(), 12).written()).isTrue();
        }
        xend.xm("shutdown", "-w", "lv1").requireSuccess();
        assertThat(mark(lv)).isEqualTo("vmhost-mark-lv");
    }

    @Test
    void anHvmGuestBootsFromVirtioAndSeesIdeAndScsiDisksAndAnIdeCdRom() throws Exception {
        Path boot = work.resolve("hvm-boot.raw");
        Files.copy(IMAGES.resolve("hvm-disk.raw"), boot);
        Path ide = image("ide.raw", "raw", 44);
        Path scsi = image("scsi.qcow2", "qcow2", 52);
        Path iso = iso("cd2", "readme.txt", "an ISO on the IDE CD-ROM\n");
        xend.xm("create", xend.config("h1.cfg", """
                builder = 'hvm'
                name = 'h1'
                memory = 256
                disk = [ 'file:%s,xvda,w', 'file:%s,hdb,w', 'tap:qcow2:%s,sda,w', 'file:%s,hdc:cdrom,r' ]
                vnc = 0
                boot = 'c'
                on_poweroff = 'destroy'
                """.formatted(boot, ide, scsi, iso)).toString()).requireSuccess();
        try (XmConsole c = console("h1")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(150));
            assertThat(c.text()).as("booted from the virtio disk through SeaBIOS").contains("SYSLINUX");
            c.type(FIND_DISK);
            c.type(probe(44, "vmhost-mark-ide"));
            c.type(probe(52, "vmhost-mark-scsi"));
            c.type("mount -t iso9660 -o ro /dev/sr0 /mnt && cat /mnt/readme.txt; umount /mnt\n");
            awaitAnswer(c, 52, Duration.ofSeconds(60));
            c.awaitText("an ISO on the IDE CD-ROM", Duration.ofSeconds(30));
            assertThat(seen(c.text(), 44).name()).startsWith("sd");
            assertThat(seen(c.text(), 44).written()).isTrue();
            assertThat(seen(c.text(), 52).name()).startsWith("sd");
            assertThat(seen(c.text(), 52).written()).isTrue();
            assertThat(c.text()).contains("vda(");

            // A virtio disk hot-plugged on the PCI bus, and unplugged again through the guest's ACPI eject.
            Path hot = image("hvm-hot.raw", "raw", 76);
            xend.xm("block-attach", "h1", "file:" + hot, "xvdb", "w").requireSuccess();
            c.type("sleep 3; " + probe(76, "vmhost-mark-pci"));
            awaitAnswer(c, 76, Duration.ofSeconds(60));
            Seen pci = seen(c.text(), 76);
            assertThat(pci.name()).startsWith("vd");
            assertThat(pci.written()).isTrue();
            xend.xm("block-detach", "h1", "xvdb").requireSuccess();
            c.type("sleep 1; [ -e /sys/class/block/" + pci.name() + " ] && s=still || s=gone; echo disk-$s-" + pci.name() + "\n");
            awaitMatch(c, "disk-(still|gone)-" + pci.name(), Duration.ofSeconds(30));
            assertThat(c.text()).contains("disk-gone-" + pci.name());
            assertThat(mark(hot)).isEqualTo("vmhost-mark-pci");
        }
        xend.xm("shutdown", "-w", "h1").requireSuccess();
        assertThat(mark(ide)).isEqualTo("vmhost-mark-ide");
        assertThat(mark(asRaw(scsi))).isEqualTo("vmhost-mark-scsi");
    }

    @Test
    void aManagedPvGuestGetsScsiDisksHotPluggedAndUnpluggedAndItsCdRomChangedAndTheConfigKeepsThem() throws Exception {
        Path first = image("hp-first.raw", "raw", 60);
        Path kept = image("hp-kept.qcow2", "qcow2", 68);
        Path iso = iso("cd3", "inserted.txt", "inserted while running\n");
        // The empty CD-ROM drive gives the pv guest its SCSI bus, where disks can come and go.
        xend.xm("new", xend.config("hp1.cfg", pv("hp1", "file:" + image("hp-boot.raw", "raw", 8) + ",xvda,w",
                ",sdc:cdrom,r")).toString()).requireSuccess();
        xend.xm("start", "hp1").requireSuccess();
        String hot;
        try (XmConsole c = console("hp1")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
            c.type(FIND_DISK);
            assertThat(xend.xm("block-list", "hp1").requireSuccess().out()).isEqualTo("""
                    Vdev  BE handle state evt-ch ring-ref BE-path
                    51712 0   0      4     -1     -1       /local/domain/0/backend/vbd/%1$s/51712
                    2080  0   0      4     -1     -1       /local/domain/0/backend/vbd/%1$s/2080
                    """.formatted(domid("hp1")));

            xend.xm("block-attach", "hp1", "file:" + first, "sdb", "w").requireSuccess();
            c.type("sleep 2; " + probe(60, "vmhost-mark-hot"));
            awaitAnswer(c, 60, Duration.ofSeconds(30));
            assertThat(seen(c.text(), 60).name()).startsWith("sd");
            assertThat(seen(c.text(), 60).written()).isTrue();
            hot = seen(c.text(), 60).name();
            assertThat(xend.xm("block-list", "-l", "hp1").requireSuccess().out()).contains("(dev sdb)", "(uname " + "file:" + first + ")");
        }
        // A new xend finds the hot-plugged disk in the domain's saved configuration, and can take it out.
        xend.xend("restart", "--no-tcp").requireSuccess();
        assertThat(xend.xm("block-list", "hp1").requireSuccess().out()).contains("2064");
        try (XmConsole c = console("hp1")) {
            xend.xm("block-detach", "hp1", "2064").requireSuccess();
            // The answer is built in the guest, so that the echo of the typed line never looks like it.
            c.type("sleep 1; [ -e /sys/class/block/" + hot + " ] && s=still || s=gone; echo disk-$s-" + hot + "\n");
            awaitMatch(c, "disk-(still|gone)-" + hot, Duration.ofSeconds(30));
            assertThat(c.text()).contains("disk-gone-" + hot).doesNotContain("disk-still-" + hot);
            assertThat(xend.xm("block-list", "hp1").requireSuccess().out()).doesNotContain("2064");

            xend.xm("block-configure", "hp1", "file:" + iso, "sdc:cdrom", "r").requireSuccess();
            c.type("sleep 1; mount -t iso9660 -o ro /dev/sr0 /mnt && cat /mnt/inserted.txt; umount /mnt\n");
            c.awaitText("inserted while running", Duration.ofSeconds(30));
            xend.xm("block-configure", "hp1", "", "sdc:cdrom", "r").requireSuccess();
            c.type("dd if=/dev/sr0 of=/dev/null bs=2048 count=1 2>/dev/null; echo eject-rc-$?\n");
            awaitMatch(c, "eject-rc-[0-9]", Duration.ofSeconds(30));
            assertThat(c.text()).as("reading the ejected drive fails").doesNotContain("eject-rc-0");

            xend.xm("block-attach", "hp1", "tap:qcow2:" + kept, "sdd", "w").requireSuccess();
            c.type("sleep 2; " + probe(68, "vmhost-mark-kept"));
            awaitAnswer(c, 68, Duration.ofSeconds(30));
            assertThat(seen(c.text(), 68).written()).isTrue();
        }
        xend.xm("shutdown", "-w", "hp1").requireSuccess();
        assertThat(mark(first)).isEqualTo("vmhost-mark-hot");
        assertThat(mark(asRaw(kept))).isEqualTo("vmhost-mark-kept");
        // The managed domain's configuration kept what was attached and dropped what was detached.
        String off = xend.xm("block-list", "-l", "hp1").requireSuccess().out();
        assertThat(off).contains("(dev sdd)", "(state 1)", "(dev sdc:cdrom)").doesNotContain("(dev sdb)", "cd3.iso");
        assertThat(xend.xm("list", "-l", "hp1").requireSuccess().out()).contains(kept.toString());
        // And a detach while it is off needs no guest.
        xend.xm("block-detach", "hp1", "sdd").requireSuccess();
        assertThat(xend.xm("block-list", "hp1").requireSuccess().out()).doesNotContain("2096");
        xend.xm("delete", "hp1").requireSuccess();
    }

    @Test
    void hotPlugRefusalsSayWhy() throws Exception {
        xend.xm("create", xend.config("hr1.cfg", pv("hr1", "file:" + image("hr-boot.raw", "raw", 8) + ",xvda,w")).toString())
                .requireSuccess();
        XendInstance.Result ide = xend.xm("block-attach", "hr1", "file:" + image("hr-x.raw", "raw", 4), "hdb", "w");
        assertThat(ide.exit()).isNotZero();
        assertThat(ide.err()).contains("IDE disks (hdb) cannot be hot-plugged");
        XendInstance.Result twice = xend.xm("block-attach", "hr1", "file:" + work.resolve("hr-x.raw"), "xvda", "w");
        assertThat(twice.err()).contains("already has a disk xvda");
        XendInstance.Result missing = xend.xm("block-attach", "hr1", "file:" + work.resolve("none.raw"), "sdb", "w");
        assertThat(missing.err()).contains("none.raw does not exist");
        // A file in a local user's directory: its owner could swap it, while QEMU's user has it, for a link to a root
        // file that xend would then give away or back. Refused, naming the directory, and the file left as it was.
        Path alice = Files.createDirectory(work.resolve("alice"));
        Path theirs = Files.write(alice.resolve("theirs.raw"), new byte[1 << 20]);
        Files.setAttribute(alice, "unix:uid", 65534);
        XendInstance.Result swappable = xend.xm("block-attach", "hr1", "file:" + theirs, "xvdb", "w");
        assertThat(swappable.exit()).isNotZero();
        assertThat(swappable.err()).contains(alice + " is writable by uid 65534");
        assertThat(Files.getAttribute(theirs, "unix:uid")).isEqualTo(0);
        XendInstance.Result nothing = xend.xm("block-detach", "hr1", "51728");
        assertThat(nothing.exit()).isNotZero();
        assertThat(nothing.err()).contains("has no disk '51728'");
        assertThat(xend.xm("block-list", "hr1").requireSuccess().out().lines().count()).isEqualTo(2);
        xend.xm("destroy", "hr1").requireSuccess();
    }

    @Test
    void imagesAreMadeClonedLinkedAndResizedThroughXmAndAGuestSeesItsDiskGrowWhileRunning() throws Exception {
        Path pool = Files.createDirectories(work.resolve("pool"));
        String p = pool.toString();
        assertThat(xend.xm("image-create", "-p", p, "base.raw", "32M").requireSuccess().out()).contains("raw, 32 MiB virtual");
        Files.write(pool.resolve("base.raw"), "from-the-base".getBytes(StandardCharsets.US_ASCII),
                java.nio.file.StandardOpenOption.WRITE);
        xend.xm("image-clone", "-p", p, "--linked", "base.raw", "linked.qcow2").requireSuccess();
        xend.xm("image-clone", "-p", p, "base.raw", "full.raw").requireSuccess();
        assertThat(xend.xm("image-info", "-p", p, "linked.qcow2").requireSuccess().out())
                .contains("format:       qcow2", "virtual size: 32 MiB", "backing file: " + pool.resolve("base.raw"));
        assertThat(xend.xm("image-list", "-p", p).requireSuccess().out()).contains("base.raw", "full.raw", "linked.qcow2");
        // xend's own pool, $VMHOST_HOME/images, when none is named.
        xend.xm("image-create", "-f", "qcow2", "own.qcow2", "4M").requireSuccess();
        assertThat(xend.home().resolve("images/own.qcow2")).exists();

        xend.xm("create", xend.config("im1.cfg", pv("im1", "tap:qcow2:" + pool.resolve("linked.qcow2") + ",xvda,w",
                "file:" + pool.resolve("full.raw") + ",xvdb,r")).toString()).requireSuccess();
        try (XmConsole c = console("im1")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
            c.type(FIND_DISK);
            // Both disks are 32 MiB and both read the base's bytes: the clone through its backing file.
            c.type("for d in $(disk 32); do head -c 13 /dev/$d; echo \" on-$d\"; done\n");
            awaitMatch(c, "from-the-base on-vd[a-z]\\s+from-the-base on-vd[a-z]", Duration.ofSeconds(30));
            xend.xm("image-resize", "-p", p, "linked.qcow2", "48M").requireSuccess();
            c.type("sleep 1; " + probe(48, "vmhost-mark-grown"));
            awaitAnswer(c, 48, Duration.ofSeconds(30));
            assertThat(seen(c.text(), 48).written()).as("the guest sees its disk at 48 MiB").isTrue();
            XendInstance.Result shrink = xend.xm("image-resize", "-p", p, "--shrink", "linked.qcow2", "16M");
            assertThat(shrink.exit()).isNotZero();
            assertThat(shrink.err()).contains("running domain 'im1'", "shrink only while it is off");
            XendInstance.Result delete = xend.xm("image-delete", "-p", p, "full.raw");
            assertThat(delete.err()).contains("in use by domain 'im1'");
        }
        xend.xm("shutdown", "-w", "im1").requireSuccess();
        assertThat(mark(asRaw(pool.resolve("linked.qcow2")))).isEqualTo("vmhost-mark-grown");
        assertThat(new String(Files.readAllBytes(pool.resolve("base.raw")), 0, 13, StandardCharsets.US_ASCII))
                .as("the linked clone's writes never reach its base").isEqualTo("from-the-base");
        assertThat(mark(pool.resolve("base.raw"))).isEmpty();
        assertThat(xend.xm("image-info", "-p", p, "linked.qcow2").requireSuccess().out()).contains("virtual size: 48 MiB");
        assertThat(xend.xm("image-resize", "-p", p, "full.raw", "40M").requireSuccess().out()).contains("40 MiB virtual");
        xend.xm("image-delete", "-p", p, "full.raw").requireSuccess();
        assertThat(pool.resolve("full.raw")).doesNotExist();
        assertThat(xend.xm("image-create", "-p", p, "../escape.raw", "1M").err()).contains("invalid image name");
    }

    static String domid(String name) {
        return XendLifecycleIT.row(xend, name).orElseThrow().split("\\s+")[1];
    }

    @Test
    void bootPicksTheCdRomOrTheHardDiskAsBootSays() throws Exception {
        // A bootable ISO (isolinux) with the guest's kernel, telling the guest where it came from.
        Path dir = Files.createDirectories(work.resolve("bootcd.d"));
        Files.copy(Path.of("/usr/lib/ISOLINUX/isolinux.bin"), dir.resolve("isolinux.bin"));
        Files.copy(Path.of("/usr/lib/syslinux/modules/bios/ldlinux.c32"), dir.resolve("ldlinux.c32"));
        Files.copy(IMAGES.resolve("vmlinuz"), dir.resolve("vmlinuz"));
        Files.copy(IMAGES.resolve("initrd.img"), dir.resolve("initrd.img"));
        Files.writeString(dir.resolve("isolinux.cfg"), """
                SERIAL 0 115200
                PROMPT 0
                TIMEOUT 0
                DEFAULT cd
                LABEL cd
                  LINUX /vmlinuz
                  INITRD /initrd.img
                  APPEND console=ttyS0 vmhost.from=cdrom
                """);
        Path iso = work.resolve("bootcd.iso");
        HostDisks.run(List.of("genisoimage", "-quiet", "-r", "-V", "VMHOSTBOOT", "-o", iso.toString(), "-b", "isolinux.bin",
                "-c", "boot.cat", "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table", dir.toString()));
        Path disk = work.resolve("boot-order.raw");
        Files.copy(IMAGES.resolve("hvm-disk.raw"), disk);
        for (String boot : new String[] {"d", "c"}) {
            String name = "bo" + boot;
            xend.xm("create", xend.config(name + ".cfg", """
                    builder = 'hvm'
                    name = '%s'
                    memory = 256
                    disk = [ 'file:%s,xvda,w', 'file:%s,hdc:cdrom,r' ]
                    vnc = 0
                    boot = '%s'
                    """.formatted(name, disk, iso, boot)).toString()).requireSuccess();
            try (XmConsole c = console(name)) {
                c.awaitText("vmhost-guest: ready", Duration.ofSeconds(150));
                if (boot.equals("d")) {
                    assertThat(c.text()).as("boot=d: from the CD-ROM").contains("vmhost.from=cdrom").contains("ISOLINUX");
                } else {
                    assertThat(c.text()).as("boot=c: from the hard disk").doesNotContain("vmhost.from=cdrom").contains("SYSLINUX");
                }
            }
            xend.xm("destroy", name).requireSuccess();
        }
    }

    @Test
    void aWritableDiskOfARunningDomainIsRefusedToAnotherNamingIt() throws Exception {
        Path shared = image("shared.raw", "raw", 8);
        Path alias = Files.createSymbolicLink(work.resolve("alias.raw"), shared);
        xend.xm("create", xend.config("s1.cfg", pv("s1", "file:" + shared + ",xvda,w")).toString()).requireSuccess();
        List<Long> before = xend.qemuPids();

        XendInstance.Result w = xend.xm("create", xend.config("s2.cfg", pv("s2", "file:" + alias + ",xvdb,w")).toString());
        assertThat(w.exit()).isNotZero();
        assertThat(w.err()).contains("in use by domain 's1'", "xvdb");
        XendInstance.Result r = xend.xm("create", xend.config("s3.cfg", pv("s3", "file:" + shared + ",xvda,r")).toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("in use by domain 's1'");
        assertThat(xend.qemuPids()).as("no QEMU started for a refused domain").containsExactlyInAnyOrderElementsOf(before);
        assertThat(XendLifecycleIT.row(xend, "s2")).isEmpty();
        // Hot-plugging it into another running domain is refused the same way.
        xend.xm("create", xend.config("s7.cfg", pv("s7", "file:" + image("s7.raw", "raw", 4) + ",xvda,w")).toString())
                .requireSuccess();
        XendInstance.Result attach = xend.xm("block-attach", "s7", "file:" + alias, "sdb", "r");
        assertThat(attach.exit()).isNotZero();
        assertThat(attach.err()).contains("in use by domain 's1'");
        assertThat(xend.xm("block-list", "s7").requireSuccess().out().lines().count()).isEqualTo(2);
        xend.xm("destroy", "s7").requireSuccess();

        // Once s1 is gone the disk is free again.
        xend.xm("destroy", "s1").requireSuccess();
        xend.xm("create", xend.config("s2.cfg", pv("s2", "file:" + alias + ",xvdb,w")).toString()).requireSuccess();
        xend.xm("destroy", "s2").requireSuccess();

        // w! on both sides shares it, as xm allowed; read-only users share too.
        xend.xm("create", xend.config("s4.cfg", pv("s4", "file:" + shared + ",xvda,w!")).toString()).requireSuccess();
        xend.xm("create", xend.config("s5.cfg", pv("s5", "file:" + alias + ",xvda,w!")).toString()).requireSuccess();
        XendInstance.Result plain = xend.xm("create", xend.config("s6.cfg", pv("s6", "file:" + shared + ",xvda,w")).toString());
        assertThat(plain.err()).contains("in use by domain 's4'");
        xend.xm("destroy", "s4").requireSuccess();
        xend.xm("destroy", "s5").requireSuccess();
    }

    @Test
    void aBlockDeviceIsOneDiskUnderEachOfItsNames() throws Exception {
        Path dev = host.loop(image("dev.raw", "raw", 8));
        Path alias = Files.createSymbolicLink(work.resolve("dev-alias"), dev);
        xend.xm("create", xend.config("b1.cfg", pv("b1", "phy:" + dev + ",xvda,w")).toString()).requireSuccess();
        XendInstance.Result second = xend.xm("create", xend.config("b2.cfg", pv("b2", "phy:" + alias + ",xvda,w")).toString());
        assertThat(second.exit()).isNotZero();
        assertThat(second.err()).contains("in use by domain 'b1'");
        xend.xm("destroy", "b1").requireSuccess();
    }

    @Test
    void aMissingFileOrDeviceIsRefusedBeforeQemuStarts() throws Exception {
        List<Long> before = xend.qemuPids();
        XendInstance.Result file = xend.xm("create", xend.config("m1.cfg",
                pv("m1", "file:" + work.resolve("no-such.raw") + ",xvda,w")).toString());
        assertThat(file.exit()).isNotZero();
        assertThat(file.err()).contains("disk xvda", "no-such.raw does not exist");
        XendInstance.Result dev = xend.xm("create", xend.config("m2.cfg", pv("m2", "phy:/dev/vmhost-no-such,xvda,w")).toString());
        assertThat(dev.err()).contains("/dev/vmhost-no-such does not exist");
        XendInstance.Result notBlock = xend.xm("create", xend.config("m3.cfg",
                pv("m3", "phy:" + image("plain.raw", "raw", 4) + ",xvda,w")).toString());
        assertThat(notBlock.err()).contains("is not a block device");
        // xm new keeps a definition; xm start refuses it the same way.
        xend.xm("new", xend.config("m4.cfg", pv("m4", "file:" + work.resolve("later.raw") + ",xvda,w")).toString()).requireSuccess();
        assertThat(xend.xm("start", "m4").err()).contains("later.raw does not exist");
        xend.xm("delete", "m4").requireSuccess();
        assertThat(xend.qemuPids()).containsExactlyInAnyOrderElementsOf(before);
        assertThat(new ArrayList<>(xend.xm("list").requireSuccess().out().lines().toList())).noneMatch(l -> l.startsWith("m"));
    }

    /**
     * A qcow2 another user may write: between xend's check of its backing chain and QEMU's open, as root, its owner
     * could rewrite its header to name /etc/shadow as the backing file. Refused, naming who, before QEMU starts; the
     * same image root's own starts.
     */
    @Test
    void aQcow2ImageAnotherUserMayChangeIsRefusedBeforeQemuStarts() throws Exception {
        List<Long> before = xend.qemuPids();
        Path theirs = image("theirs.qcow2", "qcow2", 8);
        Files.setAttribute(theirs, "unix:uid", 65534);
        XendInstance.Result refused = xend.xm("create", xend.config("q1.cfg", pv("q1", "tap:qcow2:" + theirs + ",xvda,w")).toString());
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).contains(theirs + " is owned by uid 65534", "could make it name any host file");
        assertThat(xend.qemuPids()).containsExactlyInAnyOrderElementsOf(before);
        assertThat(xend.xm("list").requireSuccess().out()).doesNotContain("q1");

        Files.setAttribute(theirs, "unix:uid", 0);
        xend.xm("create", xend.config("q2.cfg", pv("q2", "tap:qcow2:" + theirs + ",xvda,w")).toString()).requireSuccess();
        xend.xm("destroy", "q2").requireSuccess();
    }
}
