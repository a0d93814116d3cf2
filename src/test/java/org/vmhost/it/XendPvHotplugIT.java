package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmhost.it.XendStorageIT.FIND_DISK;
import static org.vmhost.it.XendStorageIT.awaitAnswer;
import static org.vmhost.it.XendStorageIT.awaitMatch;
import static org.vmhost.it.XendStorageIT.mark;
import static org.vmhost.it.XendStorageIT.probe;
import static org.vmhost.it.XendStorageIT.seen;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Xen's everyday pv hot-plug, on a running pv guest: {@code xm block-attach} of an xvd disk and
 * {@code xm network-attach} of a vif, each into one of the domain's free PCIe hot-plug slots, seen from inside
 * the guest through its serial console (its /sys/block entry and the bytes the host wrote, its /sys/class/net
 * link and MAC), then detached and gone from the guest; a managed domain's configuration keeps what is attached
 * at the end; running out of slots, having none, and a guest kernel that does not take hot-plugged devices are
 * each a clear error that changes nothing.
 */
class XendPvHotplugIT {
    static XendInstance xend;
    static Path work;
    static final String BRIDGE = "vmhtp" + Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xefff));
    static final String HOST_DATA = "pvhotplug-data-from-host";

    @BeforeAll
    static void startXend() throws IOException {
        xend = XendInstance.withBridges().start();
        work = Files.createDirectories(xend.home().resolve("disks"));
    }

    @AfterAll
    static void stopXend() throws IOException {
        try {
            if (xend != null) xend.close();
        } finally {
            if (Files.exists(Path.of("/sys/class/net", BRIDGE))) XendNetworkIT.run("ip", "link", "del", "dev", BRIDGE);
        }
        assertThat(xend.qemuPids()).as("QEMU processes left behind").isEmpty();
    }

    static String pv(String name, String extraLines, String cmdline) {
        return PvGuestConfig.named(name).kernelArgs("vmhost.dhcp=0" + cmdline)
                .disk("file:" + image(name + "-boot.raw", "raw", 8) + ",xvda,w")
                .line("on_poweroff = 'destroy'").line(extraLines).text();
    }

    static Path image(String name, String format, int mib) {
        Path p = work.resolve(name);
        HostDisks.run(List.of("qemu-img", "create", "-q", "-f", format, p.toString(), mib + "M"));
        return p;
    }

    /** A raw image of {@code mib} MiB with {@link #HOST_DATA} written by the host at byte 4096. */
    static Path dataImage(String name, int mib) throws IOException {
        Path p = image(name, "raw", mib);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(4096);
            f.write(HOST_DATA.getBytes(StandardCharsets.US_ASCII));
        }
        return p;
    }

    static XmConsole console(String domain) throws IOException {
        return XmConsole.open(xend, domain);
    }

    /** Types a check that prints, once the link exists (up to 10 s), {@code nic-NAME-MAC}, built in the guest. */
    static void showNic(XmConsole c, String name) throws IOException {
        c.type("i=0; while [ ! -e /sys/class/net/" + name + " ] && [ $i -lt 20 ]; do sleep 0.5; i=$((i+1)); done; "
                + "n=" + name + "; echo nic-$n-$(cat /sys/class/net/$n/address)\n");
    }

    /** Types a check that prints {@code gone-WHAT} or {@code still-WHAT} for a /sys path, built in the guest. */
    static void showGone(XmConsole c, String sysPath, String what) throws IOException {
        c.type("sleep 1; [ -e " + sysPath + " ] && s=still || s=gone; echo $s-" + what + "\n");
        awaitMatch(c, "(still|gone)-" + what, Duration.ofSeconds(30));
    }

    @Test
    void aManagedPvGuestSeesAnXvdDiskAndANicComeAndGoAndItsConfigKeepsWhatIsAttachedAtTheEnd() throws Exception {
        Path first = dataImage("pvhp-first.raw", 44);
        Path second = dataImage("pvhp-second.raw", 52);
        String bootMac = "00:16:3e:5a:00:01";
        String hotMac = "00:16:3e:5a:00:02";
        String keptMac = "00:16:3e:5a:00:03";
        xend.xm("new", xend.config("ph1.cfg", pv("ph1", "vif = [ 'bridge=" + BRIDGE + ",mac=" + bootMac + "' ]\n"
                + "hotplug_slots = 2", "")).toString()).requireSuccess();
        xend.xm("start", "ph1").requireSuccess();
        String disk;
        try (XmConsole c = console("ph1")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
            c.type(FIND_DISK);

            // The disk: in the guest as a virtio block device, with the host's bytes on it, and writable.
            xend.xm("block-attach", "ph1", "file:" + first, "xvdb", "w").requireSuccess();
            c.type("i=0; while [ -z \"$(disk 44)\" ] && [ $i -lt 20 ]; do sleep 0.5; i=$((i+1)); done; d=$(disk 44); "
                    + "ls -d /sys/block/$d >/dev/null && dd if=/dev/$d bs=4096 skip=1 count=1 2>/dev/null | head -c "
                    + HOST_DATA.length() + "; echo \" read-$d\"\n");
            awaitMatch(c, HOST_DATA + " read-vd[a-z]+", Duration.ofSeconds(30));
            c.type(probe(44, "vmhost-mark-pvhot"));
            awaitAnswer(c, 44, Duration.ofSeconds(30));
            disk = seen(c.text(), 44).name();
            assertThat(disk).isEqualTo("vdb");
            assertThat(seen(c.text(), 44).written()).isTrue();

            // The NIC: a new link with the MAC given, on the bridge through its own tap.
            String attached = xend.xm("network-attach", "ph1", "bridge=" + BRIDGE, "mac=" + hotMac).requireSuccess().out();
            assertThat(attached).startsWith("1 " + hotMac);
            showNic(c, "eth1");
            awaitMatch(c, "nic-eth1-" + hotMac, Duration.ofSeconds(30));
            assertThat(XendNetworkIT.ports(BRIDGE)).hasSize(2);

            // Both slots are taken now: a third device is refused, and nothing changes.
            XendInstance.Result full = xend.xm("block-attach", "ph1", "file:" + second, "xvdc", "w");
            assertThat(full.exit()).isNotZero();
            assertThat(full.err()).contains("all its 2 hot-plug slots are taken", "hotplug_slots");
            XendInstance.Result fullNic = xend.xm("network-attach", "ph1", "bridge=" + BRIDGE);
            assertThat(fullNic.exit()).isNotZero();
            assertThat(fullNic.err()).contains("all its 2 hot-plug slots are taken");
            assertThat(xend.xm("block-list", "ph1").requireSuccess().out().lines().count()).isEqualTo(3);
            assertThat(xend.xm("network-list", "ph1").requireSuccess().out().lines().count()).isEqualTo(3);
            assertThat(XendNetworkIT.ports(BRIDGE)).hasSize(2);
            assertThat(xend.xm("list", "-l", "ph1").requireSuccess().out()).doesNotContain(second.toString());
        }
        // A new xend reads the slots from QEMU, not from memory: it sees the same, and unplugs from them.
        xend.xend("restart", "--no-tcp").requireSuccess();
        assertThat(xend.xm("block-list", "-l", "ph1").requireSuccess().out()).contains("(dev xvdb)");
        XendInstance.Result stillFull = xend.xm("block-attach", "ph1", "file:" + second, "xvdc", "w");
        assertThat(stillFull.err()).contains("all its 2 hot-plug slots are taken");
        try (XmConsole c = console("ph1")) {
            // A boot-time disk is on virtio-mmio, which cannot unplug: refused, unless forced.
            XendInstance.Result boot = xend.xm("block-detach", "ph1", "xvda");
            assertThat(boot.exit()).isNotZero();
            assertThat(boot.err()).contains("there at boot", "--force");

            // Detach: each leaves the guest.
            xend.xm("block-detach", "ph1", "xvdb").requireSuccess();
            showGone(c, "/sys/block/" + disk, "disk-" + disk);
            assertThat(c.text()).contains("gone-disk-" + disk).doesNotContain("still-disk-" + disk);
            xend.xm("network-detach", "ph1", "1").requireSuccess();
            showGone(c, "/sys/class/net/eth1", "nic-eth1");
            assertThat(c.text()).contains("gone-nic-eth1").doesNotContain("still-nic-eth1");
            assertThat(XendNetworkIT.ports(BRIDGE)).hasSize(1);

            // The slots are free again; what is attached now stays in the managed domain's configuration.
            xend.xm("block-attach", "ph1", "file:" + second, "xvdc", "w").requireSuccess();
            c.type("sleep 1; " + probe(52, "vmhost-mark-kept"));
            awaitAnswer(c, 52, Duration.ofSeconds(30));
            assertThat(seen(c.text(), 52).written()).isTrue();
            xend.xm("network-attach", "ph1", "bridge=" + BRIDGE, "mac=" + keptMac).requireSuccess();
            c.type("for n in /sys/class/net/eth*; do echo kept-${n##*/}-$(cat $n/address); done\n");
            awaitMatch(c, "kept-eth[0-9]+-" + keptMac, Duration.ofSeconds(30));
        }
        xend.xm("shutdown", "-w", "ph1").requireSuccess();
        assertThat(mark(first)).isEqualTo("vmhost-mark-pvhot");
        assertThat(mark(second)).isEqualTo("vmhost-mark-kept");
        String config = xend.xm("list", "-l", "ph1").requireSuccess().out();
        assertThat(config).contains(second.toString(), keptMac, bootMac).doesNotContain(first.toString(), hotMac);
        assertThat(xend.xm("block-list", "-l", "ph1").requireSuccess().out()).contains("(dev xvdc)").doesNotContain("(dev xvdb)");
        xend.xm("delete", "ph1").requireSuccess();
        assertThat(XendNetworkIT.ports(BRIDGE)).isEmpty();
    }

    @Test
    void aKernelThatDoesNotTakeHotPluggedDevicesGetsAClearErrorNotAHangAndNothingIsLeft() throws Exception {
        // pcie_ports=compat: the kernel leaves PCIe hot-plug to firmware, which microvm has none of, as a kernel
        // built without CONFIG_HOTPLUG_PCI_PCIE would.
        xend.xm("create", xend.config("ph2.cfg", pv("ph2", "vif = [ ]", " pcie_ports=compat")).toString()).requireSuccess();
        try (XmConsole c = console("ph2")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
        }
        long start = System.nanoTime();
        XendInstance.Result disk = xend.xm("block-attach", "ph2", "file:" + dataImage("pvhp-untaken.raw", 12), "xvdb", "w");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(disk.exit()).isNotZero();
        assertThat(disk.err()).contains("the guest did not take the device within 15 s", "it was taken out again");
        assertThat(took).as("the attach gives up in bounded time").isLessThan(Duration.ofSeconds(45));
        assertThat(xend.xm("block-list", "ph2").requireSuccess().out().lines().count()).isEqualTo(2);

        XendInstance.Result nic = xend.xm("network-attach", "ph2", "bridge=" + BRIDGE);
        assertThat(nic.exit()).isNotZero();
        assertThat(nic.err()).contains("the guest did not take the device within 15 s");
        assertThat(xend.xm("network-list", "ph2").requireSuccess().out().lines().count()).isEqualTo(1);
        assertThat(XendNetworkIT.ports(BRIDGE)).as("the tap made for it is gone").isEmpty();

        // The slot it tried is free again: the same disk goes in (and is again not taken) rather than "all taken".
        XendInstance.Result again = xend.xm("block-attach", "ph2", "file:" + work.resolve("pvhp-untaken.raw"), "xvdb", "w");
        assertThat(again.err()).contains("did not take the device").doesNotContain("taken (by");
        xend.xm("destroy", "ph2").requireSuccess();
    }

    @Test
    void aPvDomainWithNoHotplugSlotsRefusesAttachesSayingSo() throws Exception {
        xend.xm("create", xend.config("ph3.cfg", pv("ph3", "hotplug_slots = 0", "")).toString()).requireSuccess();
        XendInstance.Result disk = xend.xm("block-attach", "ph3", "file:" + image("pvhp-none.raw", "raw", 4), "xvdb", "w");
        assertThat(disk.exit()).isNotZero();
        assertThat(disk.err()).contains("it has no hot-plug slots (hotplug_slots = 0");
        XendInstance.Result nic = xend.xm("network-attach", "ph3", "bridge=" + BRIDGE);
        assertThat(nic.err()).contains("it has no hot-plug slots");
        assertThat(xend.xm("block-list", "ph3").requireSuccess().out().lines().count()).isEqualTo(2);
        assertThat(XendNetworkIT.ports(BRIDGE)).isEmpty();
        xend.xm("destroy", "ph3").requireSuccess();
        // A bad value is refused when the config is read, naming file, line and key.
        XendInstance.Result bad = xend.xm("create", xend.config("ph4.cfg", pv("ph4", "hotplug_slots = 99", "")).toString());
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("ph4.cfg:", "hotplug_slots: expected a number of hot-plug slots from 0 to 31, got 99");
        assertThat(xend.xm("list").requireSuccess().out()).doesNotContain("ph4");
    }
}
