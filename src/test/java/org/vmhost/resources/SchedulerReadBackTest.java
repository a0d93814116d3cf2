package org.vmhost.resources;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an xend that restarted shows for a running domain: the weight and cap read back from its group, in both
 * cgroup versions (on trees laid out as the kernel lays them out).
 */
class SchedulerReadBackTest {
    @TempDir
    Path root;

    @Test
    void v1GivesBackExactlyTheWeightAndCapItWasGiven() throws IOException {
        Files.createDirectories(root.resolve("cpu"));
        Files.writeString(root.resolve("cpu/cpu.shares"), "1024\n");
        CpuController c = CpuController.detect(root, "x1").orElseThrow();
        for (int[] wc : new int[][] {{1, 0}, {256, 0}, {300, 30}, {512, 50}, {65535, 200}}) {
            c.place("u1", 4242, wc[0], wc[1]);
            assertThat(c.read("u1", "web", 3)).contains(new SchedCredit("web", 3, wc[0], wc[1]));
        }
    }

    @Test
    void v2GivesBackTheNearestWeightAndTheExactCap() throws IOException {
        Files.writeString(root.resolve("cgroup.controllers"), "cpu io memory\n");
        CpuController c = CpuController.detect(root, "x1").orElseThrow();
        c.place("u1", 4242, 512, 50);
        assertThat(c.read("u1", "web", 3)).contains(new SchedCredit("web", 3, 512, 50));
        c.set("u1", 256, 0);
        assertThat(c.read("u1", "web", 3)).contains(new SchedCredit("web", 3, 256, 0));
        c.set("u1", 300, 150); // cpu.weight 117: v2's scale is coarser
        assertThat(c.read("u1", "web", 3)).hasValueSatisfying(s -> {
            assertThat(s.weight()).isBetween(298, 302);
            assertThat(s.cap()).isEqualTo(150);
        });
    }

    @Test
    void aDomainWithoutAGroupHasNothingToReadBack() throws IOException {
        Files.writeString(root.resolve("cgroup.controllers"), "cpu\n");
        assertThat(CpuController.detect(root, "x1").orElseThrow().read("nosuch", "web", 3)).isEmpty();
    }
}
