package org.vmhost.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sampler over a /proc and /sys laid out as Linux lays them out, with counters that move between samples. */
class SamplerTest {
    @TempDir
    Path dir;

    private void thread(long tid, String comm, char state, long ticks) throws IOException {
        Path t = Files.createDirectories(dir.resolve("proc/10/task/" + tid));
        Files.writeString(t.resolve("comm"), comm + "\n");
        StringBuilder f = new StringBuilder(tid + " (" + comm + ") " + state);
        for (int field = 4; field <= 52; field++) f.append(' ').append(field == 14 ? ticks : 0);
        Files.writeString(t.resolve("stat"), f + "\n");
        Files.writeString(t.resolve("status"), "Cpus_allowed_list:\t0-1\n");
    }

    private void process(long ticks) throws IOException {
        StringBuilder f = new StringBuilder("10 (qemu-system-x86) S");
        for (int field = 4; field <= 52; field++) f.append(' ').append(field == 14 ? ticks : 0);
        Files.writeString(Files.createDirectories(dir.resolve("proc/10")).resolve("stat"), f + "\n");
    }

    private void tap(long rx, long tx) throws IOException {
        Path s = Files.createDirectories(dir.resolve("net/vif3.0/statistics"));
        Files.writeString(s.resolve("rx_bytes"), rx + "\n");
        Files.writeString(s.resolve("tx_bytes"), tx + "\n");
        Files.writeString(s.resolve("rx_packets"), "1\n");
        Files.writeString(s.resolve("tx_packets"), "1\n");
    }

    @Test
    void countersBecomeRatesAndAnIdleGuestIsBlocked() throws IOException {
        AtomicReference<List<DiskCounters>> disks = new AtomicReference<>(List.of(new DiskCounters("xvda", 0, 0, 0, 0)));
        MonitorTarget target = new MonitorTarget("u1", "web1", 3, 'r', 10, 262_144, 262_144, 1, Map.of("0", "vif3.0"),
                disks::get, OptionalLong::empty);
        Sampler sampler = Sampler.over(dir.resolve("proc"), dir.resolve("net"), dir.resolve("h.bin"), () -> List.of(target));
        Files.createDirectories(dir.resolve("proc"));
        Files.writeString(dir.resolve("proc/stat"), "cpu  100 0 100 800 0 0 0 0 0 0\n");
        Files.writeString(dir.resolve("proc/meminfo"), "MemTotal:       1000 kB\nMemAvailable:    400 kB\n");
        process(1000);
        thread(11, "CPU 0/TCG", 'S', 900);
        tap(0, 0);
        long t0 = 1_800_000_000L;
        sampler.sample(Instant.ofEpochSecond(t0));
        assertThat(sampler.current(List.of(target))).singleElement().satisfies(s -> {
            assertThat(s.state()).isEqualTo("b");
            assertThat(s.cpuSeconds()).isEqualTo(10.0);
        });

        process(1500); // 5 s of one CPU over the next sample, if the sampler sees 5 s pass
        thread(11, "CPU 0/TCG", 'R', 1400);
        tap(2048, 1024); // the tap received 2 KiB from the guest and sent it 1 KiB
        disks.set(List.of(new DiskCounters("xvda", 5 * 4096, 0, 5, 0)));
        Files.writeString(dir.resolve("proc/stat"), "cpu  200 0 200 1400 0 0 0 0 0 0\n");
        sampler.sample(Instant.ofEpochSecond(t0 + 5));

        DomainStats s = sampler.current(List.of(target)).getFirst();
        assertThat(s.state()).isEqualTo("r");
        assertThat(s.cpuPercent()).isPositive();
        assertThat(s.vbdReads()).isEqualTo(5);
        assertThat(s.netRxKib()).isEqualTo(1);
        assertThat(s.netTxKib()).isEqualTo(2);
        History h = sampler.history();
        assertThat(h.keys("u1/")).contains("cpu", "vcpu0", "memory_kib", "vbd/xvda/read_bytes", "vif/0/rx_bytes");
        assertThat(h.query("u1/vbd/xvda/read_ops", Resolution.FIVE_SECONDS, Instant.ofEpochSecond(t0), Instant.ofEpochSecond(t0 + 5)))
                .singleElement().satisfies(p -> assertThat(p.value()).isGreaterThan(0));
        assertThat(h.query("host/cpu", Resolution.FIVE_SECONDS, Instant.ofEpochSecond(t0), Instant.ofEpochSecond(t0 + 5)))
                .singleElement().satisfies(p -> assertThat(p.value()).isEqualTo(25.0)); // 200 busy of 800 ticks
        assertThat(sampler.host().freeKib()).isEqualTo(400);
    }

    @Test
    void aDomainThatStoppedLeavesTheFigures() throws IOException {
        Files.createDirectories(dir.resolve("proc"));
        AtomicReference<List<MonitorTarget>> targets = new AtomicReference<>(List.of(new MonitorTarget("u1", "web1", 3, 'p', 10,
                1024, 1024, 1, Map.of(), List::of, OptionalLong::empty)));
        Sampler sampler = Sampler.over(dir.resolve("proc"), dir.resolve("net"), dir.resolve("h.bin"), targets::get);
        sampler.sample(Instant.ofEpochSecond(1_800_000_000L));
        targets.set(List.of());
        sampler.sample(Instant.ofEpochSecond(1_800_000_005L));
        assertThat(sampler.current(List.of())).isEmpty();
        sampler.close();
        assertThat(History.load(dir.resolve("h.bin")).keys()).contains("u1/memory_kib");
    }
}
