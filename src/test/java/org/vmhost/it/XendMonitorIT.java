package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vmhost.api.ApiClient;
import org.vmhost.domain.DomainService;
import org.vmhost.domain.XendHome;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.monitor.HistoryPoint;
import org.vmhost.monitor.SeriesHistory;

/**
 * Statistics of a real guest: a vCPU spinning in the guest's shell shows in {@code xm top -b}, the guest's disk
 * reads show in the history, and the history outlives an xend restart.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class XendMonitorIT {
    static XendInstance xend;
    static XmConsole console;

    @BeforeAll
    static void startGuest() throws IOException {
        xend = XendInstance.create().start();
        xend.xm("create", xend.config("mon1.cfg", XendLifecycleIT.pvConfig("mon1", "cpus = \"0-1,^0\"")).toString()).requireSuccess();
        console = XmConsole.open(xend, "mon1");
        console.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() throws Exception {
        if (console != null) console.close();
        String uuid = api().get("mon1").uuid();
        xend.close();
        assertThat(cgroup(uuid)).as("mon1's cgroup after it stopped").isEmpty();
        assertThat(controller().xendGroup()).as("the xend's own group after it stopped").doesNotExist();
        assertThat(xend.qemuPids()).as("QEMU processes left behind").isEmpty();
    }

    static DomainService api() {
        return new ApiClient(new XendHome(xend.home()).apiSocket());
    }

    @Test
    @Order(1)
    void aGuestSpinningOneVcpuShowsNearOneHundredPercentInXmTop() throws Exception {
        XendInstance.await("the idle guest shown blocked in xm list", Duration.ofSeconds(20),
                () -> XendLifecycleIT.row(xend, "mon1").orElse("").contains(" -b---- "));
        console.type("while :; do :; done &\n");
        Thread.sleep(11_000); // two samples of the spin
        assertThat(XendLifecycleIT.row(xend, "mon1")).hasValueSatisfying(l -> assertThat(l).contains(" r----- "));
        XendInstance.Result top = xend.xm("top", "-b", "-d", "3", "-i", "2").requireSuccess();
        List<String> rows = top.out().lines().filter(l -> l.strip().startsWith("mon1 ")).toList();
        assertThat(rows).as(top.out()).hasSize(2);
        for (String row : rows) {
            String[] f = row.strip().split("\\s+");
            double percent = Double.parseDouble(f[3]);
            System.out.println("xm top: CPU(%) of a spinning guest: " + percent);
            assertThat(percent).as(row).isBetween(60.0, 140.0);
            assertThat(f[1]).isEqualTo("-----r");
            assertThat(Long.parseLong(f[4])).as("MEM(k)").isEqualTo(256 * 1024);
            assertThat(f[12]).as("VBDS").isEqualTo("1");
        }
        assertThat(top.out()).contains("NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR");
        console.type("kill %1\n");
    }

    @Test
    @Order(2)
    void diskReadsShowInTheHistoryWhichOutlivesAnXendRestart() throws Exception {
        console.type("dd if=/dev/vda of=/dev/null bs=64k count=400 && echo dd-done\n");
        console.awaitText("dd-done", Duration.ofSeconds(60));
        Thread.sleep(11_000);
        Instant end = Instant.now();
        Instant start = end.minus(Duration.ofMinutes(5));
        SeriesHistory reads = api().history("mon1", "vbd/xvda/read_bytes", start, end, "5s");
        System.out.println("history of vbd/xvda/read_bytes: " + reads.points());
        assertThat(reads.points()).extracting(HistoryPoint::value).anyMatch(v -> v > 100_000);
        SeriesHistory cpu = api().history("mon1", "cpu", start, end, "5s");
        assertThat(cpu.points()).extracting(HistoryPoint::value).anyMatch(v -> v > 50);
        SeriesHistory minutes = api().history("mon1", "cpu", start, end, "1m");
        assertThat(minutes.stepSeconds()).isEqualTo(60);
        assertThat(minutes.points()).isNotEmpty();
        assertThat(api().history("Domain-0", "memory_total_kib", start, end, null).points()).isNotEmpty();

        xend.xend("stop").requireSuccess();
        xend.start();
        SeriesHistory after = api().history("mon1", "vbd/xvda/read_bytes", start, end, "5s");
        assertThat(after.points()).containsAll(reads.points().subList(0, reads.points().size() - 1));
        assertThat(after.points()).extracting(HistoryPoint::value).anyMatch(v -> v > 100_000);
    }

    @Test
    @Order(3)
    void badHistoryRequestsAreRefusedNamingTheLimit() {
        Instant now = Instant.now();
        assertThatThrownBy(() -> api().history("mon1", "nosuch", now.minusSeconds(60), now, null))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_SUCH_DEVICE))
                .hasMessageContaining("no series 'nosuch'").hasMessageContaining("cpu");
        assertThatThrownBy(() -> api().history("mon1", "cpu", now, now.minusSeconds(60), null))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST))
                .hasMessageContaining("must be before its end");
        assertThatThrownBy(() -> api().history("mon1", "cpu", now.minus(Duration.ofDays(4000)), now, null))
                .hasMessageContaining("at most 365 days");
        assertThatThrownBy(() -> api().history("mon1", "cpu", now.minusSeconds(60), now, "2m"))
                .hasMessageContaining("5s, 1m, 1h, 1d");
        assertThatThrownBy(() -> api().history("nosuchdomain", "cpu", now.minusSeconds(60), now, null))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_SUCH_DOMAIN));
    }

    @Test
    @Order(4)
    void cpusAtStartAndVcpuPinSetTheVcpuThreadsAffinity() {
        XendInstance.Result list = xend.xm("vcpu-list", "mon1").requireSuccess();
        List<String> rows = list.out().lines().toList();
        assertThat(rows.get(0)).isEqualTo(String.format("%-32s %5s %5s %5s %5s %9s %s", "Name", "ID", "VCPU", "CPU", "State", "Time(s)", "CPU Affinity"));
        assertThat(rows).hasSize(2);
        assertThat(rows.get(1)).startsWith("mon1 ").endsWith(" 1"); // cpus = "0-1,^0"
        assertThat(taskset(vcpuThread())).isEqualTo("1");

        xend.xm("vcpu-pin", "mon1", "0", "0").requireSuccess();
        assertThat(taskset(vcpuThread())).isEqualTo("0");
        xend.xm("vcpu-pin", "mon1", "all", "all").requireSuccess();
        assertThat(taskset(vcpuThread())).isEqualTo(allCpus());
        assertThat(xend.xm("vcpu-list").requireSuccess().out()).contains("any cpu");

        int cpus = Runtime.getRuntime().availableProcessors();
        XendInstance.Result tooHigh = xend.xm("vcpu-pin", "mon1", "0", "0," + cpus);
        assertThat(tooHigh.exit()).isNotZero();
        assertThat(tooHigh.err()).contains("CPU " + cpus + " in '0," + cpus + "' does not exist: this host has " + cpus + " CPUs");
        XendInstance.Result noVcpu = xend.xm("vcpu-pin", "mon1", "3", "0");
        assertThat(noVcpu.err()).contains("has no vCPU 3; it has 1");
        assertThat(taskset(vcpuThread())).as("nothing changed").isEqualTo(allCpus());
    }

    @Test
    @Order(5)
    void weights512And256OnOnePinnedCpuSplitItTwoToOne() throws Exception {
        // The version xend uses is the one the product detects here; a v1 host (this one) and a v2 host differ.
        String version = controller() instanceof org.vmhost.resources.CpuController.V2 ? "v2" : "v1";
        assertThat(xend.xm("info").requireSuccess().out()).contains("xen_scheduler          : credit, on cgroup " + version + " (");
        xend.xm("create", xend.config("mon2.cfg", XendLifecycleIT.pvConfig("mon2", "cpus = \"1\"\ncpu_weight = 256")).toString())
                .requireSuccess();
        try (XmConsole c1 = console("mon1"); XmConsole c2 = console("mon2")) {
            c2.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
            xend.xm("vcpu-pin", "mon1", "all", "1").requireSuccess();
            xend.xm("sched-credit", "-d", "mon1", "-w", "512").requireSuccess();
            assertThat(xend.xm("sched-credit").requireSuccess().out()).containsPattern("mon1\\s+\\d+\\s+512\\s+0")
                    .containsPattern("mon2\\s+\\d+\\s+256\\s+0");
            c1.type("while :; do :; done &\n"); // the console of @BeforeAll ended with the xend restart
            c2.type("while :; do :; done &\n");
            Thread.sleep(6_000);
            XendInstance.Result top = xend.xm("top", "-b", "-d", "10", "-i", "2").requireSuccess();
            String last = top.out().substring(top.out().lastIndexOf("NAME"));
            double one = cpuPercent(last, "mon1"), two = cpuPercent(last, "mon2");
            System.out.println("weights 512:256 on one CPU: " + one + "% : " + two + "%");
            assertThat(one + two).as(last).isBetween(30.0, 130.0); // CPU 1 is shared with the rest of the host
            assertThat(one / two).as(last).isBetween(1.5, 2.7);
            c2.type("kill %1\n");
        }
        String mon2 = api().get("mon2").uuid();
        assertThat(cgroup(mon2)).hasValueSatisfying(g -> assertThat(g.resolve("cgroup.procs")).content().isNotBlank());
        xend.xm("destroy", "mon2").requireSuccess();
        assertThat(cgroup(mon2)).as("the stopped domain's cgroup").isEmpty();
    }

    @Test
    @Order(6)
    void aCapOf50HoldsASpinningGuestNear50Percent() throws Exception {
        xend.xm("vcpu-pin", "mon1", "all", "all").requireSuccess();
        XendInstance.Result tooHigh = xend.xm("sched-credit", "-d", "mon1", "-c", "101");
        assertThat(tooHigh.err()).contains("cap must be from 0 (none) to 100 (100 x 1 vCPU), not 101");
        XendInstance.Result badWeight = xend.xm("sched-credit", "-d", "mon1", "-w", "70000");
        assertThat(badWeight.err()).contains("weight must be from 1 to 65535, not 70000");
        xend.xm("sched-credit", "-d", "mon1", "-c", "50").requireSuccess();
        assertThat(xend.xm("sched-credit", "-d", "mon1").requireSuccess().out()).containsPattern("mon1\\s+\\d+\\s+512\\s+50");
        Thread.sleep(3_000);
        XendInstance.Result top = xend.xm("top", "-b", "-d", "10", "-i", "2").requireSuccess();
        double capped = cpuPercent(top.out().substring(top.out().lastIndexOf("NAME")), "mon1");
        System.out.println("cap 50: " + capped + "%");
        assertThat(capped).as(top.out()).isBetween(30.0, 62.0);
        try (XmConsole c1 = console("mon1")) {
            c1.type("kill %1\n");
            Thread.sleep(500);
        }
    }

    @Test
    @Order(7)
    void metricsParseWithPrometheusTextParserAndShowTheGuest() throws Exception {
        XendInstance.Result r = xend.run(java.nio.file.Path.of("/usr/bin/curl"), List.of("-sS", "--fail", "--unix-socket",
                new XendHome(xend.home()).apiSocket().toString(), "http://localhost/metrics"), Duration.ofSeconds(30)).requireSuccess();
        String samples = org.vmhost.monitor.PrometheusTextTest.parse(r.out().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(samples).contains("libvirt_domain_info_virtual_cpus{domain=mon1} 1")
                .contains("libvirt_domain_info_maximum_memory_bytes{domain=mon1} 2.68435e+08")
                .containsPattern("libvirt_domain_block_stats_read_bytes_total\\{domain=mon1,target_device=xvda\\} [1-9]")
                .containsPattern("libvirt_domain_info_cpu_time_seconds_total\\{domain=mon1\\} [1-9]");
    }

    @Test
    @Order(8)
    void aStartThatWouldOvercommitTheHostIsRefusedWithTheNumbersAndLeavesNothing() throws Exception {
        int qemus = xend.qemuPids().size();
        long hostMib = api().hostInfo().totalMemory();
        String cfg = XendLifecycleIT.pvConfig("huge", "").replace("memory = 256", "memory = " + (hostMib + 1000));
        XendInstance.Result r = xend.xm("create", xend.config("huge.cfg", cfg).toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("cannot start domain 'huge': it needs " + (hostMib + 1000) + " MiB, but of the host's "
                + hostMib + " MiB, 512 MiB are kept for the host (dom0_min_mem) and 256 MiB are given to running domains");
        assertThat(xend.xm("list").requireSuccess().out()).doesNotContain("huge");
        assertThat(xend.qemuPids()).hasSize(qemus);
    }

    @Test
    @Order(9)
    void memSetLowersTheGuestsMemTotalThroughItsBalloon() throws Exception {
        try (XmConsole c1 = console("mon1")) {
            long before = c1.memTotal(1);
            XendInstance.Result tooMuch = xend.xm("mem-set", "mon1", "300");
            assertThat(tooMuch.err()).contains("domain 'mon1' can have at most 256 MiB (its maxmem), not 300");
            assertThat(xend.xm("mem-set", "mon1", "16").err()).contains("needs at least 32 MiB, not 16");
            xend.xm("mem-set", "mon1", "160").requireSuccess();
            long after = before;
            for (int i = 2; i < 30 && after > before - 80 * 1024; i++) {
                Thread.sleep(1000);
                after = c1.memTotal(i);
            }
            System.out.println("MemTotal before mem-set 160: " + before + " kB, after: " + after + " kB");
            assertThat(before - after).as("kB the guest gave back").isBetween(80L * 1024, 100L * 1024);
            Thread.sleep(6_000); // a sample of the balloon's figure
            assertThat(api().stats().domains()).filteredOn(d -> d.name().equals("mon1"))
                    .singleElement().satisfies(d -> assertThat(d.memoryKib()).isEqualTo(160 * 1024));
        }
    }

    @Test
    @Order(10)
    void aStartPinnedToACpuTheHostLacksIsRefusedAndLeavesNothing() throws Exception {
        int qemus = xend.qemuPids().size();
        int cpus = Runtime.getRuntime().availableProcessors();
        String set = "0," + (cpus + 5);
        XendInstance.Result r = xend.xm("create", xend.config("pin7.cfg", XendLifecycleIT.pvConfig("pin7", "cpus = \"" + set + "\"")).toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("cpus: CPU " + (cpus + 5) + " in '" + set + "' does not exist: this host has " + cpus + " CPUs (0-" + (cpus - 1) + ")");
        assertThat(xend.xm("list").requireSuccess().out()).doesNotContain("pin7");
        assertThat(xend.qemuPids()).hasSize(qemus);
    }

    private static double cpuPercent(String screen, String name) {
        String row = screen.lines().filter(l -> l.strip().startsWith(name + " ")).findFirst().orElseThrow(() -> new AssertionError(screen));
        return Double.parseDouble(row.strip().split("\\s+")[3]);
    }

    private static XmConsole console(String domain) throws IOException {
        return XmConsole.open(xend, domain);
    }

    /**
     * The CPU controller as the product finds it on this host (cgroup v2's unified tree, or v1's cpu hierarchy), for
     * this test's xend: where its groups are.
     */
    static org.vmhost.resources.CpuController controller() {
        try {
            String xendGroup = "x" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(xend.home().toAbsolutePath().normalize().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)), 0, 6);
            return org.vmhost.resources.CpuController.detect(java.nio.file.Path.of("/sys/fs/cgroup"), xendGroup)
                    .orElseThrow(() -> new AssertionError("no cgroup CPU controller on this host"));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A domain's group, vmhost/<xend>/<uuid> under the controller's tree, if there is one. */
    static java.util.Optional<java.nio.file.Path> cgroup(String uuid) {
        java.nio.file.Path g = controller().group(uuid);
        return java.nio.file.Files.isDirectory(g) ? java.util.Optional.of(g) : java.util.Optional.empty();
    }

    /** Every host CPU as taskset -c lists them: "0,1" on two, "0-3" on four. */
    private static String allCpus() {
        int cpus = Runtime.getRuntime().availableProcessors();
        return cpus == 1 ? "0" : cpus == 2 ? "0,1" : "0-" + (cpus - 1);
    }

    /** The thread id of mon1's vCPU 0, from /proc. */
    private static long vcpuThread() {
        long pid = xend.qemuPids().get(0);
        return org.vmhost.monitor.VcpuThread.read(java.nio.file.Path.of("/proc"), pid).get(0).tid();
    }

    /** What taskset -p -c says of a thread's affinity, as a user checks it. */
    private static String taskset(long tid) {
        XendInstance.Result r = xend.run(java.nio.file.Path.of("/usr/bin/taskset"), List.of("-p", "-c", Long.toString(tid)),
                Duration.ofSeconds(10)).requireSuccess();
        return r.out().strip().replaceAll(".*: ", "");
    }
}
