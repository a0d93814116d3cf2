package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmhost.it.XendInstance.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Guests on real bridges and taps, made by a private xend running as root. Every bridge has a name of its
 * own ({@code vmht<random>}) and is removed by name at the end; all traffic stays on this machine.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class XendNetworkIT {
    static XendInstance xend;
    static final String SUFFIX = Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xefff));
    /** A bridge that no network names yet: xend makes it when the first vif asks for it. */
    static final String SHARED = "vmhtb" + SUFFIX;
    static final List<String> BRIDGES = new ArrayList<>(List.of(SHARED));

    @BeforeAll
    static void startXend() throws IOException {
        xend = XendInstance.withBridges().start();
    }

    @AfterAll
    static void stopXend() throws IOException {
        if (xend != null) xend.close();
        for (String br : BRIDGES) {
            if (Files.exists(Path.of("/sys/class/net", br))) run("ip", "link", "del", "dev", br);
        }
    }

    static XmConsole console(String domain) throws IOException {
        return XmConsole.open(xend, domain);
    }

    static String pv(String name, String vifs) {
        return XendLifecycleIT.pvConfig(name, "vif = [ " + vifs + " ]");
    }

    /** Types a command and waits for the marker it prints when it succeeds. */
    static void expect(XmConsole c, String command, String marker, Duration timeout) throws IOException {
        c.type(command + " && echo " + marker.replace("-", "-''") + "\n");
        c.awaitText(marker, timeout);
    }

    @Test
    @Order(1)
    void twoGuestsOnOneBridgePingEachOther() throws Exception {
        xend.xm("create", xend.config("a.cfg", pv("a", "'bridge=" + SHARED + ",mac=00:16:3e:0a:00:01'")).toString())
                .requireSuccess();
        xend.xm("create", xend.config("b.cfg", pv("b", "'bridge=" + SHARED + ",model=virtio'")).toString())
                .requireSuccess();
        String domidA = xend.xm("domid", "a").requireSuccess().out().strip();
        String domidB = xend.xm("domid", "b").requireSuccess().out().strip();
        // The taps are vif<domid>.<devid>, on the bridge xend made because the vif asked for it.
        assertThat(ports(SHARED)).containsExactlyInAnyOrder("vif" + domidA + ".0", "vif" + domidB + ".0");
        try (XmConsole a = console("a"); XmConsole b = console("b")) {
            a.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
            b.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
            assertThat(a.text()).contains("eth0(00:16:3e:0a:00:01)");
            assertThat(b.text()).containsPattern("eth0\\(00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}\\)");
            a.type("killall udhcpc; ip addr add 10.231.0.11/24 dev eth0\n");
            b.type("killall udhcpc; ip addr add 10.231.0.12/24 dev eth0\n");
            expect(a, "ping -c 3 -W 5 10.231.0.12", "ping-a-ok", Duration.ofSeconds(60));
            expect(b, "ping -c 3 -W 5 10.231.0.11", "ping-b-ok", Duration.ofSeconds(60));
        }
        xend.xm("destroy", "a").requireSuccess();
        xend.xm("destroy", "b").requireSuccess();
        assertThat(ports(SHARED)).as("taps left on the bridge").isEmpty();
        assertThat(Path.of("/sys/class/net/vif" + domidA + ".0")).doesNotExist();
    }

    @Test
    @Order(2)
    void aStartThatFailsLeavesNoTapBehind() throws Exception {
        var r = xend.xm("create", xend.config("f.cfg", XendLifecycleIT.pvConfig("f",
                "vif = [ 'bridge=" + SHARED + "', 'bridge=" + SHARED + ",model=e1000' ]")).toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("virtio NICs only");
        assertThat(ports(SHARED)).isEmpty();
        assertThat(xend.xm("list").requireSuccess().out()).doesNotContain("\nf ");
    }

    @Test
    @Order(2)
    void aVifWhoseNetworkCannotBeMadeIsRefusedSayingWhyAndAUserModeVifStartsOnlyWhenAskedFor() throws Exception {
        // "lo" exists but is no bridge: the tap cannot join it. The start fails with the reason and leaves
        // nothing: no silent fall-back to user-mode networking.
        var refused = xend.xm("create", xend.config("u.cfg", pv("u", "'bridge=lo,vifname=vmhtu" + SUFFIX + "'")).toString());
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).contains("cannot start domain 'u': vif bridge 'lo': lo exists on this host but is not a bridge");
        assertThat(Path.of("/sys/class/net/vmhtu" + SUFFIX)).doesNotExist();
        assertThat(xend.xm("list").requireSuccess().out()).doesNotContain("\nu ");
        // Asked for, user-mode networking is there, and its record says so.
        xend.xm("create", xend.config("u.cfg", pv("u", "'type=user'")).toString()).requireSuccess();
        String row = xend.xm("network-list", "u").requireSuccess().out().lines().skip(1).findFirst().orElseThrow();
        assertThat(row).endsWith("user-mode");
        assertThat(xend.xm("log").requireSuccess().out()).doesNotContain("network-fallback")
                .containsPattern("started domain 'u': .*vifs: user-mode networking");
        xend.xm("destroy", "u").requireSuccess();
    }

    @Test
    @Order(3)
    void aGuestOnANatNetworkGetsItsAddressByDhcpAndReachesAServiceOnTheBridgesHostAddress() throws Exception {
        String bridge = "vmhtn" + SUFFIX;
        BRIDGES.add(bridge);
        int third = 100 + ThreadLocalRandom.current().nextInt(100);
        String host = "10.235." + third + ".1";
        xend.xm("net-create", "nat" + SUFFIX, "--type", "nat", "--bridge", bridge, "--subnet", "10.235." + third + ".0/24")
                .requireSuccess();
        assertThat(xend.xm("net-list").requireSuccess().out()).containsPattern("nat" + SUFFIX + "\\s+nat\\s+" + bridge);
        assertThat(run("nft", "list", "table", "inet", "vmhost_" + bridge)).contains("masquerade");
        com.sun.net.httpserver.HttpServer http = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(host, 0), 0);
        http.createContext("/", ex -> {
            byte[] body = "vmhost-nat-service\n".getBytes();
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        http.start();
        try {
            xend.xm("create", xend.config("n.cfg", pv("n", "'bridge=nat" + SUFFIX + ",model=virtio'")).toString())
                    .requireSuccess();
            try (XmConsole n = console("n")) {
                n.awaitText("vmhost-guest: eth0 ip 10.235." + third + ".", Duration.ofSeconds(120));
                expect(n, "wget -q -O - http://" + host + ":" + http.getAddress().getPort() + "/ | grep vmhost-nat-service",
                        "wget-nat-ok", Duration.ofSeconds(60));
                // dnsmasq knows the guest by its domain's name, in the network's DNS domain.
                expect(n, "nslookup n.nat" + SUFFIX + " " + host + " | grep -A1 'n.nat" + SUFFIX + "' | grep -q 'Address.*10.235."
                        + third + ".'", "name-nat-ok", Duration.ofSeconds(30));
            }
        } finally {
            http.stop(0);
        }
        // The DHCP and DNS server of the guests' network holds no root: it parses whatever a guest sends it. (It found
        // the guest's name above, in the hosts file it reads again, as that user, when a guest is named.)
        String dnsmasqPid = Files.readString(xend.home().resolve("network/nat" + SUFFIX + ".pid")).strip();
        String uids = Files.readAllLines(Path.of("/proc", dnsmasqPid, "status")).stream().filter(l -> l.startsWith("Uid:"))
                .findFirst().orElseThrow();
        assertThat(uids.split("\\s+")).as("dnsmasq's real, effective, saved and file uids").hasSize(5)
                .allSatisfy(u -> assertThat(u).isNotEqualTo("0"));
        // The lease is dnsmasq's: it knows the guest's MAC.
        String leases = Files.readString(xend.home().resolve("network/nat" + SUFFIX + ".leases"));
        String mac = xend.xm("network-list", "n").requireSuccess().out().lines().skip(1).findFirst().orElseThrow()
                .split("\\s+")[2];
        assertThat(leases).contains(mac);
        xend.xm("destroy", "n").requireSuccess();
        assertThat(xend.xm("net-delete", "nat" + SUFFIX).exit()).isZero();
        assertThat(Path.of("/sys/class/net", bridge)).doesNotExist();
        assertThat(run("nft", "list", "tables")).doesNotContain("vmhost_" + bridge);
    }

    @Test
    @Order(4)
    void guestsOnAnIsolatedNetworkReachEachOtherButNotTheHost() throws Exception {
        String bridge = "vmhti" + SUFFIX;
        BRIDGES.add(bridge);
        xend.xm("net-create", "iso" + SUFFIX, "--type", "isolated", "--bridge", bridge).requireSuccess();
        // Even an address the host had on that bridge would be out of the guests' reach.
        run("ip", "addr", "add", "10.236.0.1/24", "dev", bridge);
        try (java.net.ServerSocket service = new java.net.ServerSocket(0, 5, java.net.InetAddress.getByName("10.236.0.1"))) {
            xend.xm("create", xend.config("i1.cfg", pv("i1", "'bridge=iso" + SUFFIX + "'")).toString()).requireSuccess();
            xend.xm("create", xend.config("i2.cfg", pv("i2", "'bridge=iso" + SUFFIX + "'")).toString()).requireSuccess();
            try (XmConsole i1 = console("i1"); XmConsole i2 = console("i2")) {
                i1.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
                i2.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
                i1.type("killall udhcpc; ip addr add 10.236.0.11/24 dev eth0\n");
                i2.type("killall udhcpc; ip addr add 10.236.0.12/24 dev eth0\n");
                expect(i1, "ping -c 2 -W 5 10.236.0.12", "ping-iso-ok", Duration.ofSeconds(60));
                i1.type("ping -c 2 -W 2 10.236.0.1 || echo host-''unreachable\n");
                i1.awaitText("host-unreachable", Duration.ofSeconds(30));
                i1.type("nc -w 3 10.236.0.1 " + service.getLocalPort() + " </dev/null || echo service-''unreachable\n");
                i1.awaitText("service-unreachable", Duration.ofSeconds(30));
            }
        } finally {
            run("ip", "addr", "del", "10.236.0.1/24", "dev", bridge);
        }
        xend.xm("destroy", "i1").requireSuccess();
        xend.xm("destroy", "i2").requireSuccess();
        xend.xm("net-delete", "iso" + SUFFIX).requireSuccess();
        assertThat(Path.of("/sys/class/net", bridge)).doesNotExist();
    }

    @Test
    @Order(5)
    void aNicHotPluggedIntoARunningHvmGuestAppearsInItAndGoesAgain() throws Exception {
        Path disk = xend.home().resolve("h.raw");
        Files.copy(XendInstance.IMAGES.resolve("hvm-disk.raw"), disk);
        // Managed, so that what is attached is kept in its configuration.
        xend.xm("new", xend.config("h.cfg", """
                builder = 'hvm'
                name = 'h'
                memory = 256
                disk = [ 'file:%s,hda,w' ]
                vif = [ 'model=virtio,bridge=%s', 'bridge=%s' ]
                vnc = 0
                boot = 'c'
                """.formatted(disk, SHARED, SHARED)).toString()).requireSuccess();
        xend.xm("start", "h").requireSuccess();
        String domid = xend.xm("domid", "h").requireSuccess().out().strip();
        // An hvm vif without a model is Xen's emulated rtl8139: QEMU has it, this guest has no driver for it.
        long pid = xend.qemuPids().stream().filter(p -> ProcessHandle.of(p).flatMap(h -> h.info().arguments())
                .map(a -> String.join(" ", a).contains("vif" + domid + ".0")).orElse(false)).findFirst().orElseThrow();
        String argv = String.join(" ", ProcessHandle.of(pid).orElseThrow().info().arguments().orElseThrow());
        assertThat(argv).contains("virtio-net-pci,netdev=net0", "rtl8139,netdev=net1", "ifname=vif" + domid + ".1");
        try (XmConsole h = console("h")) {
            h.awaitText("vmhost-guest: ready", Duration.ofSeconds(150));
            h.type("killall udhcpc\n");
            String out = xend.xm("network-attach", "h", "mac=00:16:3e:0b:00:02", "bridge=" + SHARED, "model=virtio")
                    .requireSuccess().out();
            assertThat(out.strip()).isEqualTo("2 00:16:3e:0b:00:02 vif" + domid + ".2");
            assertThat(ports(SHARED)).contains("vif" + domid + ".2");
            assertThat(xend.xm("list", "-l", "h").requireSuccess().out()).contains("00:16:3e:0b:00:02");
            expect(h, "for i in $(seq 60); do grep -qs 00:16:3e:0b:00:02 /sys/class/net/eth*/address && break; sleep 1; done;"
                    + " grep -qs 00:16:3e:0b:00:02 /sys/class/net/eth*/address", "hotplug-seen", Duration.ofSeconds(90));
            // An emulated model is taken by QEMU too (the guest just has no driver for it).
            assertThat(xend.xm("network-attach", "h", "bridge=" + SHARED, "model=e1000").requireSuccess().out())
                    .startsWith("3 00:16:3e:");
            String list = xend.xm("network-list", "h").requireSuccess().out();
            assertThat(list.lines().toList()).hasSize(5);
            assertThat(list.lines().findFirst().orElseThrow())
                    .isEqualTo("Idx BE     MAC Addr.     handle state evt-ch tx-/rx-ring-ref BE-path");
            assertThat(xend.xm("network-list", "-l", "h").requireSuccess().out())
                    .contains("(mac 00:16:3e:0b:00:02)", "(model e1000)", "(model rtl8139)");
            xend.xm("network-detach", "h", "00:16:3e:0b:00:02").requireSuccess();
            expect(h, "for i in $(seq 30); do grep -qs 00:16:3e:0b:00:02 /sys/class/net/eth*/address || break; sleep 1; done;"
                    + " ! grep -qs 00:16:3e:0b:00:02 /sys/class/net/eth*/address", "unplug-seen", Duration.ofSeconds(60));
            assertThat(Path.of("/sys/class/net/vif" + domid + ".2")).doesNotExist();
            assertThat(xend.xm("list", "-l", "h").requireSuccess().out()).doesNotContain("00:16:3e:0b:00:02");
            xend.xm("network-detach", "h", "3", "-f").requireSuccess();
            var missing = xend.xm("network-detach", "h", "9");
            assertThat(missing.exit()).isNotZero();
            assertThat(missing.err()).contains("has no vif '9'");
        }
        xend.xm("destroy", "h").requireSuccess();
        assertThat(ports(SHARED)).isEmpty();
        // Its two configured vifs kept their MACs, the e1000 detached by force is gone from its config too.
        assertThat(xend.xm("list", "-l", "h").requireSuccess().out()).doesNotContain("e1000");
        xend.xm("delete", "h").requireSuccess();
    }

    @Test
    @Order(6)
    void rateLimitsWhatAGuestSendsMeasurably() throws Exception {
        int bytes = 512 * 1024;
        run("ip", "addr", "add", "10.231.0.1/24", "dev", SHARED);
        try (java.net.ServerSocket sink = new java.net.ServerSocket(0, 5, java.net.InetAddress.getByName("10.231.0.1"))) {
            xend.xm("create", xend.config("r1.cfg", pv("r1", "'bridge=" + SHARED + ",rate=1Mb/s'")).toString()).requireSuccess();
            xend.xm("create", xend.config("r2.cfg", pv("r2", "'bridge=" + SHARED + "'")).toString()).requireSuccess();
            try (XmConsole r1 = console("r1"); XmConsole r2 = console("r2")) {
                r1.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
                r2.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
                r1.type("killall udhcpc; ip addr add 10.231.0.21/24 dev eth0\n");
                r2.type("killall udhcpc; ip addr add 10.231.0.22/24 dev eth0\n");
                expect(r2, "ping -c 1 -W 5 10.231.0.1", "ping-r2-ok", Duration.ofSeconds(30));
                expect(r1, "ping -c 1 -W 5 10.231.0.1", "ping-r1-ok", Duration.ofSeconds(30));
                String send = "dd if=/dev/zero bs=1024 count=" + (bytes / 1024) + " 2>/dev/null | nc 10.231.0.1 " + sink.getLocalPort() + "\n";
                r2.type(send);
                Duration unlimited = receive(sink, bytes);
                r1.type(send);
                Duration limited = receive(sink, bytes);
                System.out.printf("rate=1Mb/s: %d KiB in %d ms; no rate: in %d ms%n", bytes / 1024, limited.toMillis(),
                        unlimited.toMillis());
                // 512 KiB at 1 Mb/s is 4.2 s; what passes at once is one 50 ms burst.
                assertThat(limited).isGreaterThan(Duration.ofMillis(3500));
                assertThat(limited).isGreaterThan(unlimited.multipliedBy(3));
            }
        } finally {
            run("ip", "addr", "del", "10.231.0.1/24", "dev", SHARED);
        }
        xend.xm("destroy", "r1").requireSuccess();
        xend.xm("destroy", "r2").requireSuccess();
    }

    /** Accepts one connection and times it from its first byte to its last expected one. */
    static Duration receive(java.net.ServerSocket sink, int bytes) throws IOException {
        sink.setSoTimeout(60_000);
        try (java.net.Socket s = sink.accept()) {
            s.setSoTimeout(60_000);
            var in = s.getInputStream();
            byte[] buf = new byte[65536];
            int n = in.read(buf);
            long start = System.nanoTime();
            int total = Math.max(n, 0);
            while (total < bytes && (n = in.read(buf)) > 0) total += n;
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(total).as("bytes received").isEqualTo(bytes);
            return took;
        }
    }

    @Test
    @Order(7)
    void aManagedDomainKeepsItsMacAndAnXendRestartLeavesItsTapAlone() throws Exception {
        xend.xm("new", xend.config("m.cfg", pv("m", "'bridge=" + SHARED + "'")).toString()).requireSuccess();
        xend.xm("start", "m").requireSuccess();
        String row = xend.xm("network-list", "m").requireSuccess().out().lines().skip(1).findFirst().orElseThrow();
        String mac = row.split("\\s+")[2];
        String tap = row.replaceAll(".* (\\S+)@" + SHARED + "$", "$1");
        assertThat(tap).startsWith("vif").endsWith(".0");
        assertThat(xend.xm("list", "-l", "m").requireSuccess().out()).contains(mac);
        long ifindex = Long.parseLong(Files.readString(Path.of("/sys/class/net", tap, "ifindex")).strip());
        xend.xend("restart", "--no-tcp").requireSuccess();
        assertThat(Long.parseLong(Files.readString(Path.of("/sys/class/net", tap, "ifindex")).strip()))
                .as("the very same tap, untouched").isEqualTo(ifindex);
        assertThat(ports(SHARED)).contains(tap);
        assertThat(xend.xm("network-list", "m").requireSuccess().out()).contains(mac, tap + "@" + SHARED);
        // A pv domain takes hot-plugged NICs (XendPvHotplugIT), virtio ones only; the refused one leaves no tap.
        var pv = xend.xm("network-attach", "m", "bridge=" + SHARED, "model=e1000");
        assertThat(pv.exit()).isNotZero();
        assertThat(pv.err()).contains("virtio NICs only");
        assertThat(ports(SHARED)).containsExactly(tap);
        xend.xm("destroy", "m").requireSuccess();
        assertThat(Path.of("/sys/class/net", tap)).doesNotExist();
        xend.xm("start", "m").requireSuccess();
        assertThat(xend.xm("network-list", "m").requireSuccess().out()).contains(mac);
        try (XmConsole m = console("m")) {
            m.awaitText("eth0(" + mac + ")", Duration.ofSeconds(90));
        }
        xend.xm("destroy", "m").requireSuccess();
        xend.xm("delete", "m").requireSuccess();
        assertThat(ports(SHARED)).isEmpty();
    }

    @Test
    @Order(8)
    void anXendKilledInMidStartLeavesNoTapBehind() throws Exception {
        for (String faultPoint : List.of("afterLaunch", "beforeRun")) {
            xend.xend("stop").requireSuccess();
            xend.startWith("-Dvmhost.fault." + faultPoint + "=60000");
            Process create = xend.xmAsync("create", xend.config("k.cfg", pv("k", "'bridge=" + SHARED + "'")).toString());
            await("the tap and QEMU of the start in flight (" + faultPoint + ")", Duration.ofSeconds(30),
                    () -> !xend.qemuPids().isEmpty() && !uncheckedPorts(SHARED).isEmpty());
            Thread.sleep(300);
            ProcessHandle.of(xend.xendPid()).orElseThrow().destroyForcibly();
            assertThat(create.waitFor()).isNotZero();
            xend.start();
            await("the half-started QEMU to be killed", Duration.ofSeconds(20), () -> xend.qemuPids().isEmpty());
            xend.awaitRecovery(); // the sweep removes the tap after it has killed the QEMU
            assertThat(ports(SHARED)).as("taps after a kill at " + faultPoint).isEmpty();
            assertThat(xend.xm("list").requireSuccess().out()).doesNotContain("\nk ");
        }
    }

    @Test
    @Order(9)
    void aBridgedNetworkMovesTheHostsAddressesOnlyWhenAskedAndGivesThemBack() throws Exception {
        String dev = "vmhtd" + SUFFIX;
        String bridge = "vmhtu" + SUFFIX;
        BRIDGES.add(bridge);
        BRIDGES.add(dev);
        // A veth pair stands in for the host's NIC (this kernel has no dummy interfaces); nothing leaves the host.
        run("ip", "link", "add", dev, "type", "veth", "peer", "name", "vmhtp" + SUFFIX);
        run("ip", "addr", "add", "10.237.0.5/24", "dev", dev);
        run("ip", "link", "set", dev, "up");
        xend.xm("net-create", "plain" + SUFFIX, "--bridge", bridge).requireSuccess();
        assertThat(run("ip", "-4", "-o", "addr", "show", "dev", dev)).contains("10.237.0.5/24");
        xend.xm("net-delete", "plain" + SUFFIX).requireSuccess();

        assertThat(xend.xm("net-create", "lan" + SUFFIX, "--bridge", bridge, "--uplink", dev).requireSuccess().out())
                .contains("uplink " + dev);
        assertThat(run("ip", "-4", "-o", "addr", "show", "dev", bridge)).contains("10.237.0.5/24");
        assertThat(run("ip", "-4", "-o", "addr", "show", "dev", dev)).doesNotContain("10.237.0.5");
        assertThat(ports(bridge)).containsExactly(dev);
        assertThat(xend.xm("net-list").requireSuccess().out()).contains("(uplink " + dev + ")");
        xend.xm("net-delete", "lan" + SUFFIX).requireSuccess();
        assertThat(Path.of("/sys/class/net", bridge)).doesNotExist();
        assertThat(run("ip", "-4", "-o", "addr", "show", "dev", dev)).contains("10.237.0.5/24");
        run("ip", "link", "del", dev);
    }

    static List<String> uncheckedPorts(String bridge) {
        try {
            return ports(bridge);
        } catch (IOException e) {
            return List.of();
        }
    }

    static List<String> ports(String bridge) throws IOException {
        Path dir = Path.of("/sys/class/net", bridge, "brif");
        if (!Files.isDirectory(dir)) return List.of();
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    static String run(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return out;
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
