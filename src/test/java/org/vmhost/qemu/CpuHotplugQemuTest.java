package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.config.DomainConfig;

/**
 * What QEMU 7.2 itself says, before any guest runs (-S): pc started with {@code -smp 2,maxcpus=4} has four slots
 * and takes a CPU into a free one; microvm has no CPU hot-plug at all; {@code -m} is maxmem and the balloon takes
 * its target before the guest's driver exists.
 */
@Tag("guest")
class CpuHotplugQemuTest {
    @TempDir
    Path dir;

    private final List<QemuProcess> started = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (QemuProcess q : started) q.terminate(Duration.ofSeconds(3), Duration.ofSeconds(3));
    }

    private QemuProcess start(String golden, String tag) throws Exception {
        DomainConfig config = QemuCommandLineGoldenTest.load(golden, List.of());
        Path run = Files.createDirectories(dir.resolve(tag));
        LaunchContext ctx = QemuCommandLineGoldenTest.context(config, Path.of("qemu-system-x86_64"), run.resolve("qmp.sock"),
                run.resolve("console.sock"), run.resolve("console.log"), 0);
        ctx = new LaunchContext(ctx.emulator(), ctx.accelerator(), ctx.uuid(), ctx.qmpSocket(), ctx.consoleSocket(),
                ctx.consoleLog(), ctx.nics(), ctx.vncDisplay(), ctx.tscKhz(), ctx.runAs(), run.resolve("vnc.sock"));
        List<String> argv = new ArrayList<>(QemuCommandLine.build(config, ctx));
        argv.add("-S");
        QemuProcess q = QemuProcess.start(new QemuLaunch(argv, ctx.qmpSocket(), ctx.consoleLog(), run.resolve("qemu.log"),
                List.of(ctx.consoleSocket(), ctx.vncSocket())), Duration.ofSeconds(15));
        started.add(q);
        return q;
    }

    @Test
    void pcWithMaxvcpusHasFreeSlotsAndTakesACpuIntoOne() throws Exception {
        QemuProcess q = start("hvm-hotplug-cpus-maxmem", "pc");
        List<CpuHotplug.Slot> slots = CpuHotplug.slots(q.qmp()).orElseThrow();
        assertThat(slots).extracting(CpuHotplug.Slot::present).containsExactly(true, true, false, false);
        CpuHotplug.add(q.qmp(), slots.get(2));
        assertThat(CpuHotplug.slots(q.qmp()).orElseThrow()).extracting(CpuHotplug.Slot::present)
                .containsExactly(true, true, true, false);
        assertThat(CpuHotplug.slots(q.qmp()).orElseThrow().get(2).qomPath()).contains("/machine/peripheral/vcpu2");
        assertThat(QemuStats.baseMemoryBytes(q.qmp())).isEqualTo(512L << 20);
        QemuStats.setBalloon(q.qmp(), 256L << 20); // what a start does before the guest runs
    }

    @Test
    void microvmHasNoCpuHotPlug() throws Exception {
        QemuProcess q = start("pv-maxvcpus-maxmem", "microvm");
        assertThat(CpuHotplug.slots(q.qmp())).isEmpty();
        assertThat(QemuStats.baseMemoryBytes(q.qmp())).isEqualTo(256L << 20);
    }
}
