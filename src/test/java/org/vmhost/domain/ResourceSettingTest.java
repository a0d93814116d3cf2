package org.vmhost.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/** xm vcpu-set, xm mem-max and maxmem at start on the real service with a scripted QEMU. */
class ResourceSettingTest {
    @TempDir
    Path dir;
    ServiceFixture xend;

    @BeforeEach
    void open() throws IOException {
        xend = new ServiceFixture(dir);
    }

    @AfterEach
    void close() {
        xend.close();
    }

    private static void assertRefused(Runnable call, ErrorCode code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(code))
                .hasMessage(message);
    }

    @Test
    void vcpuSetOnAStoppedDomainChangesItsStoredConfigurationRaisingMaxvcpusAsXendDid() {
        xend.service.define(xend.request("web1", "vcpus = 1"));
        xend.service.setVcpus("web1", 2);
        assertThat(xend.service.get("web1").vcpus()).isEqualTo(2);
        assertThat(xend.store.definitions()).singleElement().satisfies(d -> assertThat(d.configText()).contains("vcpus = 2\n")
                .doesNotContain("maxvcpus"));
        xend.service.setVcpus("web1", 5);
        assertThat(xend.service.get("web1").configText()).contains("vcpus = 5\n").doesNotContain("maxvcpus");

        assertRefused(() -> xend.service.setVcpus("web1", 0), ErrorCode.BAD_REQUEST, "domain 'web1' needs at least 1 vCPU, not 0");
        assertRefused(() -> xend.service.setVcpus("web1", 300), ErrorCode.BAD_REQUEST,
                "domain 'web1' can have at most 255 vCPUs, not 300");
        assertThat(xend.service.get("web1").vcpus()).as("nothing changed").isEqualTo(5);
    }

    @Test
    void vcpuSetOnARunningPvDomainIsRefusedBecauseMicrovmCannotHotPlugCpus() {
        xend.service.create(xend.request("p1", "vcpus = 1", "maxvcpus = 2"), false);
        int commands = xend.qemu.commands().size();
        assertRefused(() -> xend.service.setVcpus("p1", 2), ErrorCode.INVALID_STATE, "domain 'p1' is pv: QEMU's microvm "
                + "machine cannot hot-plug CPUs, so it keeps the vCPUs it started with until it is restarted");
        assertThat(xend.qemu.commands()).hasSize(commands);
        assertThat(xend.service.get("p1").configText()).contains("vcpus = 1\n");
    }

    @Test
    void vcpuSetOnARunningHvmDomainHotPlugsCpusIntoItsFreeSlotsAndHasTheGuestEjectThem() {
        xend.service.create(xend.request("h1", "type = \"hvm\"", "vcpus = 2", "maxvcpus = 3"), false);
        xend.service.setVcpus("h1", 3);
        assertThat(xend.qemu.commands()).containsSubsequence("query-hotpluggable-cpus", "device_add");
        xend.service.setVcpus("h1", 1);
        assertThat(xend.qemu.commands().stream().filter(c -> c.equals("device_del"))).hasSize(2);
        assertRefused(() -> xend.service.setVcpus("h1", 4), ErrorCode.BAD_REQUEST,
                "domain 'h1' can have at most 3 vCPUs (its maxvcpus at start), not 4");
    }

    @Test
    void vcpuSetDownOnAPausedDomainIsRefusedAtOnceSinceOnlyARunningGuestEjectsACpuButUpWorks() {
        xend.service.create(xend.request("h2", "type = \"hvm\"", "vcpus = 2", "maxvcpus = 3"), true);
        long t0 = System.nanoTime();
        assertRefused(() -> xend.service.setVcpus("h2", 1), ErrorCode.INVALID_STATE, "domain 'h2' is paused, so it cannot give "
                + "vCPUs back (the guest ejects them itself: ACPI CPU hot-unplug); it keeps its 2 vCPUs (xm unpause it first)");
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - t0)).as("at once, not after the eject wait")
                .isLessThan(Vcpus.EJECT_WAIT.dividedBy(4));
        assertThat(xend.qemu.commands()).doesNotContain("device_del");
        xend.service.setVcpus("h2", 3);
        assertThat(xend.qemu.commands()).contains("device_add");
        assertThat(xend.state("h2")).isEqualTo(DomainState.PAUSED);
    }

    @Test
    void aDomainWithMaxmemAboveMemoryStartsWithMaxmemOfRamAndItsBalloonHoldingTheRestBack() {
        xend.service.create(xend.request("m1", "memory = 64", "maxmem = 128"), false);
        var argv = xend.qemu.latest().argv();
        assertThat(argv.get(argv.indexOf("-m") + 1)).isEqualTo("128M");
        assertThat(xend.qemu.commands()).containsSubsequence("balloon", "cont");

        assertRefused(() -> xend.service.setMemory("m1", 200), ErrorCode.BAD_REQUEST,
                "domain 'm1' can have at most 128 MiB (its maxmem), not 200");
        xend.service.setMemory("m1", 100);
        assertRefused(() -> xend.service.setMaxMemory("m1", 90), ErrorCode.BAD_REQUEST,
                "domain 'm1' has 100 MiB now; its maxmem cannot be below that, not 90 (xm mem-set it lower first)");
    }

    @Test
    void theLastMemSetTargetIsWhatListShowsAndOutlivesAnXendRestartInTheDomainsStatus() {
        xend.service.define(xend.request("m3", "memory = 64", "maxmem = 128"));
        xend.service.start("m3", false);
        xend.service.setMemory("m3", 100);
        assertThat(xend.service.get("m3").memory()).as("xm list's Mem, as Xen's showed the current amount").isEqualTo(100);
        assertThat(xend.store.statuses()).singleElement().satisfies(st -> assertThat(st.runtimeJson()).contains("\"memoryTarget\":100"));

        xend.restartXend();
        assertThat(xend.service.get("m3").memory()).isEqualTo(100);
        assertRefused(() -> xend.service.setMaxMemory("m3", 90), ErrorCode.BAD_REQUEST,
                "domain 'm3' has 100 MiB now; its maxmem cannot be below that, not 90 (xm mem-set it lower first)");

        xend.service.destroy("m3");
        assertThat(xend.service.get("m3").memory()).as("stopped: its configured memory").isEqualTo(64);
        xend.service.start("m3", false);
        assertThat(xend.service.get("m3").memory()).as("a new QEMU's balloon starts at memory").isEqualTo(64);
    }

    @Test
    void aDomainWithoutMaxmemHasNoBalloonSetAtStart() {
        xend.service.create(xend.request("m2", "memory = 64"), false);
        assertThat(xend.qemu.commands()).doesNotContain("balloon");
    }

    @Test
    void memMaxOnAStoppedDomainIsKeptInItsConfigurationAndNeverBelowItsMemory() {
        xend.service.define(xend.request("web1", "memory = 64"));
        xend.service.setMaxMemory("web1", 256);
        assertThat(xend.service.get("web1").maxmem()).isEqualTo(256);
        assertThat(xend.store.definitions()).singleElement().satisfies(d -> assertThat(d.configText()).contains("maxmem = 256\n"));
        assertRefused(() -> xend.service.setMaxMemory("web1", 32), ErrorCode.BAD_REQUEST,
                "domain 'web1' has 64 MiB (memory); its maxmem cannot be below that, not 32");
        assertThat(xend.service.get("web1").maxmem()).isEqualTo(256);
    }

    @Test
    void aStartWhoseListOfCpusNamesACpuTheHostLacksIsRefusedNamingTheEntryAndLeavesNothing() {
        int cpus = Runtime.getRuntime().availableProcessors();
        assertThatThrownBy(() -> xend.service.create(xend.request("pin", "vcpus = 2", "cpus = [\"0\", \"" + (cpus + 3) + "\"]"), false))
                .hasMessageContaining("cpus[1]: CPU " + (cpus + 3) + " in '" + (cpus + 3) + "' does not exist: this host has " + cpus);
        assertThat(xend.listed("pin")).isFalse();
        assertThat(xend.qemu.running()).isEmpty();
    }
}
