package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Live migration between two xends standing for two hosts: each in its own network namespace (joined by a veth
 * pair on a private /30) and its own mount namespace, where {@code local/} is that host's own directory, with
 * {@code shared/} seen by both as shared storage. Real pv guests, real QEMU, the real relocation server over TLS.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class XendMigrationIT {
    static final String TAG = Integer.toString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff), 16);
    static final String NS_A = "vmhmA" + TAG, NS_B = "vmhmB" + TAG;
    static final int NET = ThreadLocalRandom.current().nextInt(16, 250);
    static final String ADDR_A = "10.250." + NET + ".1", ADDR_B = "10.250." + NET + ".2";
    static Path base, shared, local, localA, localB, tokenFile, badTokenFile;
    static String fingerprint;
    static XendInstance a, b;
    static long hostMib;

    @BeforeAll
    static void twoHosts() throws Exception {
        base = Files.createTempDirectory(Path.of("/tmp"), "vmhmig-");
        shared = Files.createDirectories(base.resolve("shared"));
        local = Files.createDirectories(base.resolve("local"));
        localA = Files.createDirectories(base.resolve("localA"));
        localB = Files.createDirectories(base.resolve("localB"));
        Files.copy(XendInstance.IMAGES.resolve("pv-disk.qcow2"), shared.resolve("pv.qcow2"));
        // QEMU's user may pass through (not list) the directories, as through an image pool: a migrated QEMU takes
        // its images up again after it has dropped root.
        for (Path p : List.of(base, shared, local, localA, localB))
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        sh("ip", "netns", "add", NS_A);
        sh("ip", "netns", "add", NS_B);
        sh("ip", "link", "add", NS_A, "type", "veth", "peer", "name", NS_B);
        sh("ip", "link", "set", NS_A, "netns", NS_A);
        sh("ip", "link", "set", NS_B, "netns", NS_B);
        sh("ip", "-n", NS_A, "addr", "add", ADDR_A + "/30", "dev", NS_A);
        sh("ip", "-n", NS_B, "addr", "add", ADDR_B + "/30", "dev", NS_B);
        for (String ns : List.of(NS_A, NS_B)) {
            sh("ip", "-n", ns, "link", "set", "lo", "up");
            sh("ip", "-n", ns, "link", "set", ns, "up");
        }
        for (String line : Files.readAllLines(Path.of("/proc/meminfo")))
            if (line.startsWith("MemTotal:")) hostMib = Long.parseLong(line.replaceAll("\\D", "")) / 1024;
        // Bridges and taps, each host in its own namespace: the ping test's guest has a NIC on a bridge of each.
        a = XendInstance.withBridges().wrappedIn(host(NS_A, localA));
        b = XendInstance.withBridges().wrappedIn(host(NS_B, localB));
        // B takes one 256 MiB guest more, not two: the memory check's refusal.
        Files.writeString(b.home().resolve("xend.conf"), """
                relocation_server = 1
                relocation_address = "%s"
                relocation_hosts_allow = [ "10[.]250[.]%d[.]1" ]
                dom0_min_mem = %d
                """.formatted(ADDR_B, NET, hostMib - 400));
        a.start();
        b.start();
        tokenFile = base.resolve("b.token");
        Files.writeString(tokenFile, Files.readString(b.home().resolve("api.token")));
        badTokenFile = base.resolve("bad.token");
        Files.writeString(badTokenFile, "not-a-token-of-b");
        fingerprint = Files.readString(b.home().resolve("tls/xend.p12.sha256")).strip();
        // mig1's second disk is root's alone, on the shared storage: neither QEMU, once it has dropped root, may need
        // to open it again (at the migration's end on A, or to take it up on B), and neither xend lends it.
        sh("qemu-img", "create", "-q", "-f", "raw", shared.resolve("mig1-data.raw").toString(), "16M");
        Files.setPosixFilePermissions(shared.resolve("mig1-data.raw"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        a.xm("new", a.config("mig1.cfg", guest("mig1", "file:" + shared.resolve("mig1-data.raw") + ",xvdb,w")).toString()).requireSuccess();
        a.xm("start", "mig1").requireSuccess();
        // A NIC without mac=: xend chooses its MAC at start, and a migration must keep it (Order 7).
        a.xm("create", a.config("mig2.cfg", guest("mig2") + "vif = [ 'type=user' ]\n").toString()).requireSuccess();
    }

    /** The prefix that puts an xend into a host's namespaces, with that host's own {@code local/}. */
    static List<String> host(String ns, Path ownLocal) {
        return List.of("ip", "netns", "exec", ns, "unshare", "-m", "--propagation", "private", "--", "sh", "-c",
                "mount --bind \"$1\" \"$2\" && shift 2 && exec \"$@\"", "sh", ownLocal.toString(), local.toString());
    }

    static String guest(String name, String... extraDisks) {
        return PvGuestConfig.named(name).disk("tap:qcow2:" + shared.resolve("pv.qcow2") + ",xvda,r")
                .disks(List.of(extraDisks)).text();
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try {
            for (var x : List.of(java.util.Map.entry("a", a), java.util.Map.entry("b", b))) {
                Path log = x.getValue() == null ? null : x.getValue().home().resolve("log/xend.log");
                if (log != null && Files.exists(log))
                    Files.copy(log, Path.of("target", "migration-it-" + x.getKey() + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Path qemuLogs = x.getValue() == null ? null : x.getValue().home().resolve("log/qemu");
                if (qemuLogs != null && Files.isDirectory(qemuLogs)) try (var logs = Files.list(qemuLogs)) {
                    for (Path q : logs.toList())
                        Files.copy(q, Path.of("target", "migration-it-" + x.getKey() + "-qemu-" + q.getFileName()),
                                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            if (a != null) a.close();
            if (b != null) b.close();
        } finally {
            sh("ip", "netns", "del", NS_A);
            sh("ip", "netns", "del", NS_B);
            if (base != null) try (var walk = Files.walk(base)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
        assertThat(a.qemuPids()).as("QEMU left behind on A").isEmpty();
        assertThat(b.qemuPids()).as("QEMU left behind on B").isEmpty();
    }

    static XendInstance.Result migrate(XendInstance from, String... args) {
        List<String> argv = new ArrayList<>(List.of("migrate", "--token-file", tokenFile.toString(), "--fingerprint", fingerprint));
        argv.addAll(List.of(args));
        return from.xm(argv.toArray(String[]::new));
    }

    static Optional<String> row(XendInstance x, String name) {
        return x.xm("list").out().lines().filter(l -> l.startsWith(name + " ")).findFirst();
    }

    static void assertStaysOnA(XendInstance.Result r, String domain, String reason) {
        assertThat(r.exit()).as("exit; stderr: %s", r.err()).isNotZero();
        assertThat(r.err()).contains(reason).contains("still runs here");
        assertThat(row(a, domain)).as(domain + " on A").hasValueSatisfying(l -> assertThat(l).containsPattern("r-----|-b----"));
        assertThat(row(b, domain).filter(l -> l.matches(".*(r-----|-b----|--p---).*"))).as(domain + " running on B").isEmpty();
        assertThat(b.qemuPids()).as("QEMUs on B").hasSizeLessThanOrEqualTo(qemusOnB);
    }

    /** How many QEMUs B runs for domains it owns: a refused or failed migration leaves none more. */
    static int qemusOnB = 0;

    @Test
    @Order(1)
    void aLiveMigrationKeepsTheGuestRunningAndMovesItsDefinition() throws Exception {
        double uptimeBefore;
        try (XmConsole c = XmConsole.open(a, "mig1")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
            c.type("echo on-a-$((6*7)) | dd of=/dev/vdb bs=512 conv=sync 2>/dev/null; sync\n");
            c.type("export MIGTOK=tok$((6*7)); (while :; do echo x >> /tmp/ticks; sleep 1; done) &\n");
            c.type("echo set-$MIGTOK; cat /proc/uptime\n");
            c.awaitMatch("set-tok42\\s+([0-9.]+) ", Duration.ofSeconds(20));
            var m = java.util.regex.Pattern.compile("set-tok42\\s+([0-9.]+) ").matcher(c.text());
            assertThat(m.find()).isTrue();
            uptimeBefore = Double.parseDouble(m.group(1));
        }
        assertThat(new String(Files.readAllBytes(shared.resolve("mig1-data.raw")), 0, 7, StandardCharsets.US_ASCII))
                .as("the shared disk, written on A").isEqualTo("on-a-42");
        XendInstance.Result r = migrate(a, "-l", "mig1", ADDR_B);
        r.requireSuccess();
        qemusOnB = 1;
        assertThat(row(a, "mig1")).as("mig1 on A after the move").isEmpty();
        assertThat(a.xm("list", "-l", "mig1").exit()).as("A keeps no definition").isNotZero();
        assertThat(row(b, "mig1")).hasValueSatisfying(l -> assertThat(l).containsPattern("r-----|-b----"));
        assertThat(b.xm("list", "-l", "mig1").requireSuccess().out()).contains("mig1");
        try (XmConsole c = XmConsole.open(b, "mig1")) {
            Thread.sleep(2000);
            c.type("echo after-$MIGTOK-$(wc -l < /tmp/ticks) $(cat /proc/uptime)\n");
            c.awaitMatch("after-tok42-[0-9]+ [0-9.]+ ", Duration.ofSeconds(30));
            var m = java.util.regex.Pattern.compile("after-tok42-([0-9]+) ([0-9.]+) ").matcher(c.text());
            assertThat(m.find()).isTrue();
            assertThat(Integer.parseInt(m.group(1))).as("ticks the guest counted").isGreaterThan(1);
            assertThat(Double.parseDouble(m.group(2))).as("the guest's uptime went on").isGreaterThan(uptimeBefore);
            // The root-only shared disk: B's guest reads what A's wrote, and B's QEMU writes it (checked on the host).
            c.type("dd if=/dev/vdb bs=7 count=1 2>/dev/null; echo ' read-on-b'; echo on-b-$((6*7)) | dd of=/dev/vdb bs=512 conv=sync 2>/dev/null; sync; echo synced-$((1+1))\n");
            c.awaitText("on-a-42 read-on-b", Duration.ofSeconds(30));
            c.awaitText("synced-2", Duration.ofSeconds(30));
        }
        Path data = shared.resolve("mig1-data.raw");
        assertThat(new String(Files.readAllBytes(data), 0, 7, StandardCharsets.US_ASCII)).as("the shared disk").isEqualTo("on-b-42");
        assertThat(Files.getAttribute(data, "unix:uid") + ":" + Files.getAttribute(data, "unix:gid")).as("its owner").isEqualTo("0:0");
        assertThat(b.xm("log").out()).contains("migrated in from");
    }

    @Test
    @Order(2)
    void aHostThatDoesNotAnswerOrRefusesUsIsRefusedBeforeAnythingStops() throws Exception {
        assertStaysOnA(migrate(a, "mig2", ADDR_B, "-p", "8009"), "mig2", "cannot reach the relocation server");
        XendInstance.Result badToken = a.xm("migrate", "--token-file", badTokenFile.toString(), "--fingerprint", fingerprint, "mig2", ADDR_B);
        assertStaysOnA(badToken, "mig2", "administrator's token");
        XendInstance.Result badPin = a.xm("migrate", "--token-file", tokenFile.toString(), "--fingerprint",
                "00".repeat(32), "mig2", ADDR_B);
        assertStaysOnA(badPin, "mig2", "fingerprint");
        assertThat(a.xm("log").out() + a.xm("dmesg").out()).doesNotContain(Files.readString(tokenFile).strip());
    }

    @Test
    @Order(3)
    void aDomainWithAHotPluggedDiskIsRefusedBeforeAnythingIsSentAndMigratesOnceItIsDetached() throws Exception {
        try (XmConsole c = XmConsole.open(a, "mig2")) {
            c.type("echo up-$((2+2))\n");
            c.awaitText("up-4", Duration.ofSeconds(90));
        }
        Path extra = shared.resolve("hot.qcow2");
        sh("qemu-img", "create", "-q", "-f", "qcow2", extra.toString(), "16M");
        a.xm("block-attach", "mig2", "tap:qcow2:" + extra, "xvdc", "w").requireSuccess();
        try {
            List<Long> onB = b.qemuPids();
            String logOfB = b.xm("log").out();
            XendInstance.Result r = migrate(a, "-l", "mig2", ADDR_B);
            assertThat(r.err()).contains("cannot migrate domain 'mig2'", "disk xvdc", "hot-plugged", "detach");
            assertStaysOnA(r, "mig2", "hot-plugged");
            assertThat(b.qemuPids()).as("nothing started on B").isEqualTo(onB);
            assertThat(b.xm("log").out()).as("B heard nothing of it").isEqualTo(logOfB);
        } finally {
            a.xm("block-detach", "mig2", "xvdc").requireSuccess();
        }
    }

    @Test
    @Order(3)
    void theDestinationRefusesATakenNameAndTooLittleMemory() throws Exception {
        qemusOnB = 1; // mig1
        b.xm("new", b.config("mig2.cfg", guest("mig2")).toString()).requireSuccess();
        try {
            assertStaysOnA(migrate(a, "mig2", ADDR_B), "mig2", "a domain named 'mig2' exists");
        } finally {
            b.xm("delete", "mig2").requireSuccess();
        }
        try {
            // mig1 (256 MiB) runs on B, which keeps all but 400 MiB for itself.
            assertStaysOnA(migrate(a, "-l", "mig2", ADDR_B), "mig2", "dom0_min_mem");
        } finally {
            b.xm("destroy", "mig1").requireSuccess();
            b.xm("delete", "mig1").requireSuccess();
            qemusOnB = 0;
        }
    }

    @Test
    @Order(4)
    void aLocalDiskIsRefusedWithoutCopyStorageAndCopiedWithIt() throws Exception {
        Path disk = local.resolve("data.raw");
        sh("qemu-img", "create", "-q", "-f", "raw", localA.resolve("data.raw").toString(), "64M");
        a.xm("create", a.config("mig3.cfg", guest("mig3", "file:" + disk + ",xvdb,w")).toString()).requireSuccess();
        try (XmConsole c = XmConsole.open(a, "mig3")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
            c.type("echo copied-data-$((40+2)) | dd of=/dev/vdb bs=512 conv=sync 2>/dev/null; sync; echo wrote-$((1+1))\n");
            c.awaitText("wrote-2", Duration.ofSeconds(20));
        }
        assertStaysOnA(migrate(a, "-l", "mig3", ADDR_B), "mig3", "does not exist on this host");
        sh("qemu-img", "create", "-q", "-f", "raw", localB.resolve("data.raw").toString(), "64M");
        assertStaysOnA(migrate(a, "-l", "mig3", ADDR_B), "mig3", "not on storage shared with this host");
        Files.delete(localB.resolve("data.raw"));

        migrate(a, "-l", "--copy-storage", "mig3", ADDR_B).requireSuccess();
        qemusOnB = 1;
        assertThat(row(a, "mig3")).isEmpty();
        assertThat(row(b, "mig3")).hasValueSatisfying(l -> assertThat(l).containsPattern("r-----|-b----"));
        try (XmConsole c = XmConsole.open(b, "mig3")) {
            c.type("dd if=/dev/vdb bs=14 count=1 2>/dev/null; echo ' read-back'\n");
            c.awaitText("copied-data-42 read-back", Duration.ofSeconds(30));
        }
        byte[] onB = Files.readAllBytes(localB.resolve("data.raw"));
        assertThat(new String(onB, 0, 14, StandardCharsets.US_ASCII)).as("B's own copy of the disk").isEqualTo("copied-data-42");
        b.xm("destroy", "mig3").requireSuccess();
        qemusOnB = 0;
    }

    @Test
    @Order(5)
    void aFailureMidMigrationLeavesTheDomainRunningOnTheSourceOnly() throws Exception {
        List<Long> qemusOnB = b.qemuPids();
        a.xend("stop").requireSuccess();
        a.startWith("-Dvmhost.fault.migrateFailAt=afterMemory -Dvmhost.fault.afterMigrationMemory=12000");
        List<String> argv = new ArrayList<>(List.of("migrate", "--token-file", tokenFile.toString(), "--fingerprint",
                fingerprint, "-l", "mig2", ADDR_B));
        Process move = a.xmAsync(argv.toArray(String[]::new));
        // The memory is copied and the guest stopped: both hosts show the move (Xen's migrating-NAME), not a running
        // guest, and refuse any other operation on it at once.
        XendInstance.await("mig2 shown as migrating on A", Duration.ofSeconds(120),
                () -> row(a, "migrating-mig2").isPresent());
        assertThat(row(a, "migrating-mig2")).hasValueSatisfying(l -> assertThat(l).contains("---s--"));
        XendInstance.await("mig2 shown as migrating on B", Duration.ofSeconds(30), () -> row(b, "migrating-mig2").isPresent());
        XendInstance.Result pause = a.xm("pause", "mig2");
        assertThat(pause.exit()).isNotZero();
        assertThat(pause.err()).contains("cannot pause domain 'mig2': it is being migrated (xm migrate)");
        XendInstance.Result destroyOnB = b.xm("destroy", "mig2");
        assertThat(destroyOnB.exit()).isNotZero();
        assertThat(destroyOnB.err()).contains("it is being migrated");
        assertThat(move.isAlive()).as("the refusals did not wait for the migration").isTrue();
        assertThat(move.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(move.exitValue()).isNotZero();
        assertThat(a.xm("log").out()).contains("migration failed; the domain stays on this host");
        assertThat(row(a, "mig2")).as("mig2 on A").hasValueSatisfying(l -> assertThat(l).containsPattern("r-----|-b----"));
        XendInstance.await("B's QEMU for mig2 to end", Duration.ofSeconds(20), () -> b.qemuPids().equals(qemusOnB));
        try (XmConsole c = XmConsole.open(a, "mig2")) {
            c.type("echo still-here-$((3*3))\n");
            c.awaitText("still-here-9", Duration.ofSeconds(30));
        }
        assertThat(a.qemuPids()).hasSize(1);
    }

    @Test
    @Order(6)
    void anotherAcceleratorKindOrAnIncompatibleCpuModelIsRefused() {
        b.xend("stop").requireSuccess();
        b.startWith("-Dvmhost.fault.accelerator=kvm");
        assertStaysOnA(migrate(a, "-l", "mig2", ADDR_B), "mig2", "runs under tcg and this host uses kvm");
        b.xend("stop").requireSuccess();
        b.startWith("-Dvmhost.fault.cpuModel=Haswell");
        assertStaysOnA(migrate(a, "-l", "mig2", ADDR_B), "mig2", "CPU model qemu64");
    }

    @Test
    @Order(7)
    void withoutLiveTheDomainIsPausedMovedAndResumed() throws Exception {
        a.xend("stop").requireSuccess();
        a.start();
        b.xend("stop").requireSuccess();
        b.start();
        java.util.regex.Matcher macOnA = java.util.regex.Pattern.compile("00:16:3e(:[0-9a-f]{2}){3}")
                .matcher(a.xm("network-list", "mig2").requireSuccess().out());
        assertThat(macOnA.find()).isTrue();
        migrate(a, "mig2", ADDR_B).requireSuccess();
        assertThat(row(a, "mig2")).isEmpty();
        // The MAC xend chose at its start on A is the one its NIC has on B, not one chosen anew there.
        assertThat(b.xm("network-list", "mig2").requireSuccess().out()).contains(macOnA.group());
        assertThat(a.qemuPids()).isEmpty();
        assertThat(row(b, "mig2")).hasValueSatisfying(l -> assertThat(l).containsPattern("r-----|-b----"));
        try (XmConsole c = XmConsole.open(b, "mig2")) {
            c.type("echo moved-$((5*5))\n");
            c.awaitText("moved-25", Duration.ofSeconds(30));
        }
        assertThat(a.xm("log").out()).contains("migrated to " + ADDR_B + " (paused");
    }

    @Test
    @Order(8)
    void killingTheDestinationXendMidMigrationLeavesTheGuestOnTheSourceOnly() throws Exception {
        b.xm("destroy", "mig2"); // moved there by the test before: B has room for one guest
        a.xm("create", a.config("mig4.cfg", guest("mig4")).toString()).requireSuccess();
        try (XmConsole c = XmConsole.open(a, "mig4")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
        }
        List<Long> onB = b.qemuPids();

        // 1. B has started its waiting QEMU and not yet answered the offer.
        killBAt("incomingPrepared");
        assertThat(row(a, "mig4")).as("mig4 on A").hasValueSatisfying(l -> assertThat(l).containsPattern("r-----|-b----"));
        assertThat(b.qemuPids()).as("B's waiting QEMU ended by B's next xend").isEqualTo(onB);
        assertThat(row(b, "mig4")).isEmpty();
        assertThat(row(b, "migrating-mig4")).isEmpty();
        assertThat(b.xm("log").out()).contains("the copy waiting here was ended");
        answers(a, "mig4", "once-1");

        // 2. B has the whole state and was told to finish; it has not resumed the guest. A cannot learn whether B
        // did, so it keeps the guest paused (never running twice) and says so; B's next xend ends its copy.
        XendInstance.Result r = killBAt("beforeIncomingFinish");
        assertThat(r.err()).contains("kept paused here");
        assertThat(row(a, "mig4")).hasValueSatisfying(l -> assertThat(l).contains("--p---"));
        assertThat(b.qemuPids()).isEqualTo(onB);
        assertThat(row(b, "mig4")).isEmpty();
        a.xm("unpause", "mig4").requireSuccess();
        answers(a, "mig4", "once-2");
        a.xm("destroy", "mig4").requireSuccess();
    }

    @Test
    @Order(9)
    void aPingFromAThirdHostLosesAtMostAFewPacketsWhileTheGuestMovesLive() throws Exception {
        // One L2 segment: a bridge on each host (as a site's xenbr0), both joined to a hub in a third namespace,
        // from which a client pings the guest before, during and after the move.
        String br = "vmhmbr" + TAG, nsC = "vmhmC" + TAG, net = "10.251." + NET + ".";
        sh("ip", "netns", "add", nsC);
        try {
            sh("ip", "-n", nsC, "link", "add", "hub", "type", "bridge");
            sh("ip", "-n", nsC, "link", "set", "hub", "up");
            sh("ip", "-n", nsC, "link", "set", "lo", "up");
            sh("ip", "-n", nsC, "addr", "add", net + "1/24", "dev", "hub");
            for (String ns : List.of(NS_A, NS_B)) {
                String here = "vmhc" + ns.charAt(4) + TAG, there = "vmhp" + ns.charAt(4) + TAG;
                sh("ip", "-n", ns, "link", "add", br, "type", "bridge");
                sh("ip", "-n", ns, "link", "set", br, "up");
                sh("ip", "link", "add", here, "type", "veth", "peer", "name", there);
                sh("ip", "link", "set", here, "netns", ns);
                sh("ip", "link", "set", there, "netns", nsC);
                sh("ip", "-n", ns, "link", "set", here, "master", br, "up");
                sh("ip", "-n", nsC, "link", "set", there, "master", "hub", "up");
            }
            String mac = "00:16:3e:5e:" + TAG.substring(0, 2) + ":" + TAG.substring(2, 4);
            a.xm("create", a.config("mig5.cfg", guest("mig5") + "vif = [ 'bridge=" + br + ",mac=" + mac + "' ]\n")
                    .toString()).requireSuccess();
            try (XmConsole c = XmConsole.open(a, "mig5")) {
                c.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
                c.type("killall udhcpc; ip addr add " + net + "10/24 dev eth0 && echo addr-''set\n");
                c.awaitText("addr-set", Duration.ofSeconds(20));
            }
            sh("ip", "netns", "exec", nsC, "busybox", "ping", "-c", "3", "-W", "10", net + "10");

            Process ping = new ProcessBuilder("ip", "netns", "exec", nsC, "busybox", "ping", "-i", "0.1", net + "10")
                    .redirectErrorStream(true).start();
            java.util.concurrent.CompletableFuture<String> pinged = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return e.toString();
                }
            });
            Thread.sleep(3000);
            migrate(a, "-l", "mig5", ADDR_B).requireSuccess();
            Thread.sleep(3000);
            sh("kill", "-INT", Long.toString(ping.pid())); // ip netns exec runs ping in its own process
            String out = pinged.get(30, java.util.concurrent.TimeUnit.SECONDS);
            var m = java.util.regex.Pattern.compile("([0-9]+) packets transmitted, ([0-9]+) packets received").matcher(out);
            assertThat(m.find()).as(out).isTrue();
            int sent = Integer.parseInt(m.group(1)), received = Integer.parseInt(m.group(2));
            System.out.println("live migration of mig5: " + sent + " pings sent every 0.1 s, " + (sent - received) + " lost");
            assertThat(sent).as("pings sent over the move").isGreaterThan(50);
            String why = sent - received <= 10 ? "" : afterTheMove(nsC, mac);
            assertThat(sent - received).as("pings lost over the move (every 0.1 s): " + out + why).isLessThanOrEqualTo(10);
            assertThat(row(a, "mig5")).isEmpty();
            assertThat(row(b, "mig5")).hasValueSatisfying(l -> assertThat(l).containsPattern("r-----|-b----"));
            sh("ip", "netns", "exec", nsC, "busybox", "ping", "-c", "3", "-W", "10", net + "10");
        } finally {
            b.xm("destroy", "mig5");
            a.xm("destroy", "mig5");
            sh("ip", "netns", "del", nsC);
        }
    }

    /** Migrates mig4 from A while B's xend pauses at a fault point, kills B's xend there, starts it again; xm's answer. */
    static XendInstance.Result killBAt(String point) throws Exception {
        b.xend("stop").requireSuccess();
        b.startWith("-Dvmhost.fault." + point + "=60000");
        Path log = b.home().resolve("log/xend.log");
        long seen = Files.exists(log) ? Files.size(log) : 0;
        java.util.concurrent.CompletableFuture<XendInstance.Result> move =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> migrate(a, "-l", "mig4", ADDR_B));
        XendInstance.await("B at " + point, Duration.ofSeconds(120), () -> {
            try {
                return Files.size(log) > seen && Files.readString(log).substring((int) seen).contains("fault point " + point);
            } catch (IOException e) {
                return false;
            }
        });
        ProcessHandle.of(b.xendPid()).ifPresent(ProcessHandle::destroyForcibly);
        XendInstance.Result r = move.get(120, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.exit()).as(r.err()).isNotZero();
        b.start();
        return r;
    }

    static void answers(XendInstance x, String domain, String token) throws IOException {
        try (XmConsole c = XmConsole.open(x, domain)) {
            c.type("echo " + token + "-$((1+1))\n");
            c.awaitText(token + "-2", Duration.ofSeconds(30));
        }
    }

    /**
     * What to read when the moved guest stopped answering (CI saw it once, not reproduced): where the hub thinks its
     * MAC is, both hosts' lists, and the end of B's QEMU and console logs.
     */
    static String afterTheMove(String hubNs, String mac) {
        StringBuilder why = new StringBuilder("\n--- the hub's forwarding table (the guest's MAC: " + mac + "):\n")
                .append(output("ip", "netns", "exec", hubNs, "bridge", "fdb", "show", "br", "hub"));
        why.append("--- A: ").append(a.xm("list").out()).append("--- B: ").append(b.xm("list").out());
        for (String kind : List.of("qemu", "console")) {
            try (var logs = Files.list(b.home().resolve("log").resolve(kind))) {
                for (Path log : logs.toList()) {
                    List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
                    why.append("--- B's ").append(log).append(", its last lines:\n")
                            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()))).append('\n');
                }
            } catch (IOException e) {
                why.append("--- B's ").append(kind).append(" logs: ").append(e).append('\n');
            }
        }
        return why.toString();
    }

    static String output(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (IOException e) {
            return e + "\n";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e + "\n";
        }
    }

    static void sh(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0 && !argv[argv.length - 2].equals("del")) throw new AssertionError(String.join(" ", argv) + ": " + out);
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
