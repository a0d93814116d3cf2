package org.vmhost.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both cgroup versions against a directory laid out as the kernel lays them out (the kernel's files are plain
 * files here); the real v1 controller is exercised by XendMonitorIT on this host.
 */
class CpuControllerTest {
    @TempDir
    Path root;

    @Test
    void v2IsFoundByItsControllersFileAndTakesWeightAndMax() throws IOException {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        CpuController c = CpuController.detect(root, "x1").orElseThrow();
        assertThat(c).isInstanceOf(CpuController.V2.class);
        assertThat(c.describe()).startsWith("cgroup v2");
        c.place("u1", 4242, 512, 50);
        Path g = root.resolve("vmhost/x1/u1");
        assertThat(Files.readString(g.resolve("cpu.weight"))).isEqualTo("200");
        assertThat(Files.readString(g.resolve("cpu.max"))).isEqualTo("50000 100000");
        assertThat(Files.readString(g.resolve("cgroup.procs"))).isEqualTo("4242");
        assertThat(Files.readString(root.resolve("vmhost/cgroup.subtree_control"))).isEqualTo("+cpu");
        assertThat(Files.readString(root.resolve("vmhost/x1/cgroup.subtree_control"))).isEqualTo("+cpu");
        c.set("u1", 256, 0);
        assertThat(Files.readString(g.resolve("cpu.weight"))).isEqualTo("100");
        assertThat(Files.readString(g.resolve("cpu.max"))).isEqualTo("max 100000");
    }

    @Test
    void v1IsFoundByTheCpuHierarchyAndTakesSharesAndQuota() throws IOException {
        Files.createDirectories(root.resolve("cpu"));
        Files.writeString(root.resolve("cpu/cpu.shares"), "1024\n");
        CpuController c = CpuController.detect(root, "x1").orElseThrow();
        assertThat(c).isInstanceOf(CpuController.V1.class);
        c.place("u1", 4242, 512, 150);
        Path g = root.resolve("cpu/vmhost/x1/u1");
        assertThat(Files.readString(g.resolve("cpu.shares"))).isEqualTo("2048");
        assertThat(Files.readString(g.resolve("cpu.cfs_quota_us"))).isEqualTo("150000");
        assertThat(Files.readString(g.resolve("cpu.cfs_period_us"))).isEqualTo("100000");
        c.set("u1", 1, 0);
        assertThat(Files.readString(g.resolve("cpu.shares"))).isEqualTo("4");
        assertThat(Files.readString(g.resolve("cpu.cfs_quota_us"))).isEqualTo("-1");
    }

    @Test
    void aSweepRemovesTheEmptyGroupsOfDomainsNotRunningOnlyOfThisXend() throws IOException {
        Files.createDirectories(root.resolve("cpu"));
        Files.writeString(root.resolve("cpu/cpu.shares"), "1024\n");
        CpuController c = CpuController.detect(root, "x1").orElseThrow();
        Files.createDirectories(root.resolve("cpu/vmhost/x1/gone"));
        Files.createDirectories(root.resolve("cpu/vmhost/x1/running"));
        Files.createDirectories(root.resolve("cpu/vmhost/x2/other"));
        c.sweep(java.util.Set.of("running"));
        assertThat(root.resolve("cpu/vmhost/x1/gone")).doesNotExist();
        assertThat(root.resolve("cpu/vmhost/x1/running")).exists();
        assertThat(root.resolve("cpu/vmhost/x2/other")).exists();
        c.removeXendGroupIfEmpty();
        assertThat(root.resolve("cpu/vmhost/x1")).as("a guest still runs").exists();
        c.sweep(java.util.Set.of());
        c.removeXendGroupIfEmpty();
        assertThat(root.resolve("cpu/vmhost/x1")).doesNotExist();
    }

    @Test
    void noControllerIsNone() {
        assertThat(CpuController.detect(root, "x1")).isEmpty();
    }

    @Test
    void weightAndCapOutOfRangeAreRefusedNamingTheLimit() {
        assertThatThrownBy(() -> CpuController.check("web1", 0, 0, 1)).hasMessage("domain 'web1': weight must be from 1 to 65535, not 0");
        assertThatThrownBy(() -> CpuController.check("web1", 65536, 0, 1)).hasMessageContaining("not 65536");
        assertThatThrownBy(() -> CpuController.check("web1", 256, 201, 2))
                .hasMessage("domain 'web1': cap must be from 0 (none) to 200 (100 x 2 vCPUs), not 201");
        CpuController.check("web1", 65535, 200, 2);
    }
}
