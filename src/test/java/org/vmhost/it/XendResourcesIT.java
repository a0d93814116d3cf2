package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vmhost.api.ApiClient;
import org.vmhost.domain.DomainService;
import org.vmhost.domain.XendHome;
import org.vmhost.monitor.HistoryPoint;
import org.vmhost.monitor.SeriesHistory;
import org.vmhost.monitor.VcpuThread;

/**
 * One real hvm guest's resources changed while it runs: vCPUs hot-plugged (the guest brings them online by itself)
 * and ejected, but not from a paused guest, the per-vCPU {@code cpus=} list on its vCPU threads, memory grown up
 * to {@code maxmem}, its network traffic in the history, and its scheduler settings and memory target shown as
 * they are after an xend restart. The guest's vif is on a bridge this
 * test makes ({@code vmhtr<random>}, with an address of the host's on it; removed by name at the end); the guest
 * pings the host over it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class XendResourcesIT {
    static final String SUFFIX = Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xefff));
    static final String BRIDGE = "vmhtr" + SUFFIX;
    /** A /24 of its own on the bridge: 10.239.X.0, X from the suffix. */
    static final String NET = "10.239." + (Integer.parseInt(SUFFIX, 16) % 250 + 1) + ".";
    static XendInstance xend;
    static XmConsole console;
    static int asked;

    @BeforeAll
    static void startGuest() throws IOException {
        run("ip", "link", "add", "name", BRIDGE, "type", "bridge");
        run("ip", "addr", "add", NET + "1/24", "dev", BRIDGE);
        run("ip", "link", "set", BRIDGE, "up");
        xend = XendInstance.withBridges().start();
        Path disk = xend.home().resolve("r1.raw");
        Files.copy(XendInstance.IMAGES.resolve("hvm-disk.raw"), disk);
        // Managed, so that xm mem-max is kept in its stored configuration.
        xend.xm("new", xend.config("r1.cfg", """
                builder = 'hvm'
                name = 'r1'
                memory = 192
                maxmem = 320
                vcpus = 2
                maxvcpus = 3
                cpus = [ "1", "0", "1" ]
                disk = [ 'file:%s,hda,w' ]
                vif = [ 'model=virtio,bridge=%s' ]
                vnc = 0
                boot = 'c'
                """.formatted(disk, BRIDGE)).toString()).requireSuccess();
        xend.xm("start", "r1").requireSuccess();
        console = XmConsole.open(xend, "r1");
        console.awaitText("vmhost-guest: ready", Duration.ofSeconds(150));
        console.type("killall udhcpc\n");
    }

    @AfterAll
    static void stop() throws IOException {
        if (console != null) console.close();
        if (xend != null) {
            xend.close();
            assertThat(xend.qemuPids()).as("QEMU processes left behind").isEmpty();
        }
        run("ip", "link", "del", "dev", BRIDGE);
        assertThat(Path.of("/sys/class/net", BRIDGE)).doesNotExist();
    }

    static DomainService api() {
        return new ApiClient(new XendHome(xend.home()).apiSocket());
    }

    @Test
    @Order(1)
    void theListFormOfCpusPinsEachVcpuThreadToItsOwnSet() {
        List<VcpuThread> threads = threads();
        assertThat(threads).extracting(VcpuThread::vcpu).containsExactly(0, 1);
        assertThat(taskset(threads.get(0).tid())).as("vCPU 0: cpus[0]").isEqualTo("1");
        assertThat(taskset(threads.get(1).tid())).as("vCPU 1: cpus[1]").isEqualTo("0");
        List<String> rows = xend.xm("vcpu-list", "r1").requireSuccess().out().lines().skip(1).toList();
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).startsWith("r1 ").endsWith(" 1");
        assertThat(rows.get(1)).startsWith("r1 ").endsWith(" 0");
    }

    @Test
    @Order(2)
    void vcpuSetHotPlugsACpuThatTheGuestBringsOnlineByItself() throws Exception {
        assertThat(ask("cat /sys/devices/system/cpu/online")).isEqualTo("0-1");
        XendInstance.Result tooMany = xend.xm("vcpu-set", "r1", "4");
        assertThat(tooMany.exit()).isNotZero();
        assertThat(tooMany.err()).contains("domain 'r1' can have at most 3 vCPUs (its maxvcpus at start), not 4");
        assertThat(xend.xm("vcpu-set", "r1", "0").err()).contains("domain 'r1' needs at least 1 vCPU, not 0");
        assertThat(threads()).as("nothing changed").hasSize(2);

        xend.xm("vcpu-set", "r1", "3").requireSuccess();
        List<VcpuThread> threads = threads();
        assertThat(threads).extracting(VcpuThread::vcpu).containsExactly(0, 1, 2);
        assertThat(taskset(threads.get(2).tid())).as("the hot-plugged vCPU 2: cpus[2]").isEqualTo("1");
        assertThat(XendLifecycleIT.row(xend, "r1")).hasValueSatisfying(r -> assertThat(r.strip().split("\\s+")[3]).isEqualTo("3"));

        // The guest's kernel registers the new CPU offline; the guest's own uevent handler (its udev rule) onlines it.
        assertThat(ask("for i in $(seq 30); do [ \"$(cat /sys/devices/system/cpu/online)\" = 0-2 ] && break; sleep 1; done;"
                + " cat /sys/devices/system/cpu/online")).isEqualTo("0-2");
        assertThat(ask("cat /sys/devices/system/cpu/present")).isEqualTo("0-2");
        assertThat(ask("grep -c ^processor /proc/cpuinfo")).isEqualTo("3");
    }

    @Test
    @Order(3)
    void vcpuSetDownOnAPausedGuestIsRefusedAtOnceAndChangesNothing() throws Exception {
        xend.xm("pause", "r1").requireSuccess();
        try {
            long t0 = System.nanoTime();
            XendInstance.Result down = xend.xm("vcpu-set", "r1", "1");
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            System.out.println("vcpu-set down on a paused guest answered in " + took.toMillis() + " ms: " + down.err().strip());
            assertThat(down.exit()).isNotZero();
            assertThat(down.err()).contains("domain 'r1' is paused, so it cannot give vCPUs back (the guest ejects them itself:"
                    + " ACPI CPU hot-unplug); it keeps its 3 vCPUs (xm unpause it first)");
            assertThat(took).as("refused at once, not after the 20 s eject wait").isLessThan(Duration.ofSeconds(10));
            assertThat(threads()).as("nothing changed").hasSize(3);
        } finally {
            xend.xm("unpause", "r1").requireSuccess();
        }
        assertThat(ask("cat /sys/devices/system/cpu/online")).isEqualTo("0-2");
    }

    @Test
    @Order(4)
    void vcpuSetDownEjectsTheHotPluggedCpuAndOneTheGuestStartedWith() throws Exception {
        xend.xm("vcpu-set", "r1", "1").requireSuccess();
        assertThat(threads()).extracting(VcpuThread::vcpu).containsExactly(0);
        assertThat(ask("cat /sys/devices/system/cpu/online")).isEqualTo("0");
        assertThat(ask("grep -c ^processor /proc/cpuinfo")).isEqualTo("1");
        assertThat(xend.xm("vcpu-list", "r1").requireSuccess().out().lines().skip(1).toList()).hasSize(1);
    }

    @Test
    @Order(5)
    void memMaxAndMemSetGrowTheGuestUpToItsMaxmem() throws Exception {
        long booted = Long.parseLong(ask("grep MemTotal /proc/meminfo | tr -s ' ' | cut -d' ' -f2"));
        System.out.println("MemTotal of a guest with memory 192, maxmem 320: " + booted + " kB");
        assertThat(booted).as("the balloon holds back what is above memory").isBetween(140L * 1024, 192L * 1024);

        assertThat(xend.xm("mem-set", "r1", "400").err()).contains("domain 'r1' can have at most 320 MiB (its maxmem), not 400");
        assertThat(xend.xm("mem-max", "r1", "400").err())
                .contains("domain 'r1' was started with 320 MiB of RAM, so while it runs its maxmem can be at most that, not 400");
        assertThat(xend.xm("mem-max", "r1", "100").err()).contains("domain 'r1' has 192 MiB now; its maxmem cannot be below that, not 100");
        xend.xm("mem-max", "r1", "288").requireSuccess();
        assertThat(api().get("r1").maxmem()).isEqualTo(288);
        assertThat(xend.xm("list", "-l", "r1").requireSuccess().out()).contains("(maxmem 288)");
        assertThat(xend.xm("mem-set", "r1", "300").err()).contains("can have at most 288 MiB (its maxmem), not 300");

        xend.xm("mem-set", "r1", "288").requireSuccess();
        long grown = booted;
        for (int i = 0; i < 30 && grown < booted + 80 * 1024; i++) {
            Thread.sleep(1000);
            grown = Long.parseLong(ask("grep MemTotal /proc/meminfo | tr -s ' ' | cut -d' ' -f2"));
        }
        System.out.println("MemTotal after mem-set 288: " + grown + " kB");
        assertThat(grown - booted).as("kB the guest was given").isBetween(80L * 1024, 100L * 1024);
        assertThat(memColumn()).as("xm list's Mem: the target, as Xen's showed").isEqualTo("288");
    }

    @Test
    @Order(6)
    void pingsOverTheBridgeShowInTheDomainsNetworkHistory() throws Exception {
        assertThat(ask("ip addr add " + NET + "2/24 dev eth0 && ip link set eth0 up && echo up")).isEqualTo("up");
        Instant start = Instant.now();
        // The guest's busybox pings the host's address on the bridge: 5 a second, 1228 bytes each way.
        String ping = ask("ping -c 60 -i 0.2 -s 1200 -W 2 " + NET + "1 | grep transmitted");
        System.out.println("guest's ping of the host: " + ping);
        assertThat(ping).as("the host answers over the bridge").matches("60 packets transmitted, [1-9]\\d* packets received.*");
        Thread.sleep(11_000); // two samples after the last ping
        Instant end = Instant.now();
        SeriesHistory rx = api().history("r1", "vif/0/rx_bytes", start.minusSeconds(10), end, "5s");
        SeriesHistory tx = api().history("r1", "vif/0/tx_bytes", start.minusSeconds(10), end, "5s");
        SeriesHistory rxPackets = api().history("r1", "vif/0/rx_packets", start.minusSeconds(10), end, "5s");
        System.out.println("vif/0/rx_bytes: " + rx.points() + "\nvif/0/tx_bytes: " + tx.points());
        // About 6 kB/s each way, in the guest's terms: tx its echo requests, rx the host's replies.
        assertThat(rx.points()).extracting(HistoryPoint::value).anyMatch(v -> v > 4000);
        assertThat(tx.points()).extracting(HistoryPoint::value).anyMatch(v -> v > 4000);
        assertThat(rxPackets.points()).extracting(HistoryPoint::value).anyMatch(v -> v >= 3);
    }

    @Test
    @Order(7)
    void schedCreditAndTheMemSetTargetAreTheValuesInForceAfterAnXendRestart() throws Exception {
        xend.xm("sched-credit", "-d", "r1", "-w", "512", "-c", "50").requireSuccess();
        xend.xend("stop").requireSuccess();
        xend.start();
        assertThat(xend.xm("sched-credit", "-d", "r1").requireSuccess().out()).containsPattern("r1\\s+\\d+\\s+512\\s+50");
        assertThat(xend.xm("sched-credit").requireSuccess().out()).containsPattern("r1\\s+\\d+\\s+512\\s+50");
        // The last mem-set target (288 MiB, the configuration says 192) is kept in the domain's runtime status.
        assertThat(memColumn()).isEqualTo("288");
        assertThat(xend.xm("mem-max", "r1", "250").err()).contains("domain 'r1' has 288 MiB now; its maxmem cannot be below that, not 250");
    }

    /** The Mem column of r1's row in xm list. */
    private static String memColumn() {
        return XendLifecycleIT.row(xend, "r1").orElseThrow().strip().split("\\s+")[2];
    }

    /** Runs a shell command in the guest and gives its output's one line. */
    private static String ask(String command) throws IOException {
        int n = ++asked;
        console.type("echo Q" + n + "=$(" + command + ")=\n");
        Pattern answer = Pattern.compile("Q" + n + "=([^=$\\r\\n]*)="); // not the echoed command, which has "$("
        XendInstance.await("answer " + n + " to " + command, Duration.ofSeconds(60), () -> answer.matcher(console.text()).find());
        Matcher m = answer.matcher(console.text());
        assertThat(m.find()).isTrue();
        return m.group(1).strip();
    }

    private static List<VcpuThread> threads() {
        return VcpuThread.read(Path.of("/proc"), xend.qemuPids().get(0));
    }

    private static String taskset(long tid) {
        return xend.run(Path.of("/usr/bin/taskset"), List.of("-p", "-c", Long.toString(tid)), Duration.ofSeconds(10))
                .requireSuccess().out().strip().replaceAll(".*: ", "");
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
