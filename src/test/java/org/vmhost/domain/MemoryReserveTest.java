package org.vmhost.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmhost.config.ConfigLoader;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

class MemoryReserveTest {
    private static Domain domain(String name, int memory) throws Exception {
        var config = ConfigLoader.parse(name, "name = \"" + name + "\"\nmemory = " + memory + "\nkernel = \"/k\"\n", List.of()).config();
        return new Domain(java.util.UUID.randomUUID().toString(), name, config, "", "", false, false);
    }

    @Test
    void aStartThatLeavesTheHostLessThanItsReserveIsRefusedWithTheNumbers() throws Exception {
        MemoryReserve reserve = new MemoryReserve();
        reserve.set(512);
        Domain running = domain("a", 1024);
        running.moveTo(DomainState.STARTING);
        running.moveTo(DomainState.RUNNING);
        Domain defined = domain("b", 4096); // shut off: holds no memory
        Domain big = domain("big", 3000);
        assertThatThrownBy(() -> reserve.check(big, List.of(running, defined, big), 4096))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_BUSY))
                .hasMessage("cannot start domain 'big': it needs 3000 MiB, but of the host's 4096 MiB, 512 MiB are kept for "
                        + "the host (dom0_min_mem) and 1024 MiB are given to running domains (their maxmem): 2560 MiB left");
        reserve.check(domain("fits", 2560), List.of(running, defined), 4096);
    }

    @Test
    void eachDomainCountsWithItsMaxmemWhichMemSetMayGiveItAtAnyTime() throws Exception {
        MemoryReserve reserve = new MemoryReserve();
        reserve.set(512);
        var config = ConfigLoader.parse("a", "name = \"a\"\nmemory = 256\nmaxmem = 1024\nkernel = \"/k\"\n", List.of()).config();
        Domain running = new Domain(java.util.UUID.randomUUID().toString(), "a", config, "", "", false, false);
        running.moveTo(DomainState.STARTING);
        running.moveTo(DomainState.RUNNING);
        var growing = ConfigLoader.parse("g", "name = \"g\"\nmemory = 256\nmaxmem = 3000\nkernel = \"/k\"\n", List.of()).config();
        Domain g = new Domain(java.util.UUID.randomUUID().toString(), "g", growing, "", "", false, false);
        assertThatThrownBy(() -> reserve.check(g, List.of(running, g), 4096))
                .hasMessage("cannot start domain 'g': it needs 3000 MiB (its maxmem), but of the host's 4096 MiB, 512 MiB are "
                        + "kept for the host (dom0_min_mem) and 1024 MiB are given to running domains (their maxmem): 2560 MiB left");
        reserve.check(domain("fits", 2560), List.of(running), 4096);
    }
}
