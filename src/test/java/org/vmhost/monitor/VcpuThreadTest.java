package org.vmhost.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vCPU threads read from a /proc laid out as Linux lays it out, and tap counters from a /sys alike. */
class VcpuThreadTest {
    @TempDir
    Path proc;

    private void task(long pid, long tid, String comm, char state, long utime, long stime, int cpu, String affinity) throws IOException {
        Path t = Files.createDirectories(proc.resolve(pid + "/task/" + tid));
        Files.writeString(t.resolve("comm"), comm + "\n");
        StringBuilder f = new StringBuilder(tid + " (" + comm + ") " + state);
        // fields 4..52; 14 utime, 15 stime, 39 processor
        for (int field = 4; field <= 52; field++)
            f.append(' ').append(field == 14 ? utime : field == 15 ? stime : field == 39 ? cpu : 0);
        Files.writeString(t.resolve("stat"), f + "\n");
        Files.writeString(t.resolve("status"), "Name:\t" + comm + "\nCpus_allowed_list:\t" + affinity + "\n");
    }

    @Test
    void onlyQemusVcpuThreadsCountInVcpuOrder() throws IOException {
        task(10, 10, "qemu-system-x86", 'S', 5, 5, 0, "0-1");
        task(10, 12, "CPU 1/TCG", 'S', 100, 50, 0, "0-1");
        task(10, 11, "CPU 0/TCG", 'R', 900, 100, 1, "1");
        task(10, 13, "worker", 'S', 1, 1, 0, "0-1");
        List<VcpuThread> v = VcpuThread.read(proc, 10);
        assertThat(v).containsExactly(new VcpuThread(0, 11, 10.0, true, 1, "1"), new VcpuThread(1, 12, 1.5, false, 0, "0-1"));
    }

    @Test
    void aGoneProcessHasNoThreadsAndNoTime() {
        assertThat(VcpuThread.read(proc, 99)).isEmpty();
        assertThat(VcpuThread.processSeconds(proc, 99)).isZero();
    }

    @Test
    void aTapsCountersAreTheGuestsSwapped() throws IOException {
        Path stats = Files.createDirectories(proc.resolve("net/vif3.0/statistics"));
        Files.writeString(stats.resolve("rx_bytes"), "100\n");
        Files.writeString(stats.resolve("tx_bytes"), "200\n");
        Files.writeString(stats.resolve("rx_packets"), "1\n");
        Files.writeString(stats.resolve("tx_packets"), "2\n");
        assertThat(NetCounters.ofTap(proc.resolve("net"), "0", "vif3.0")).contains(new NetCounters("0", 200, 100, 2, 1));
        assertThat(NetCounters.ofTap(proc.resolve("net"), "1", "vif3.1")).isEmpty();
    }
}
