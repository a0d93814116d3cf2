package org.vmhost.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CpuSetTest {
    @Test
    void xensSyntaxBecomesTheKernelsList() {
        assertThat(CpuSet.parse("0-3,5,^1", 8).list()).isEqualTo("0,2-3,5");
        assertThat(CpuSet.parse("all", 4).list()).isEqualTo("0-3");
        assertThat(CpuSet.parse("all", 4).all()).isTrue();
        assertThat(CpuSet.parse("1", 4).all()).isFalse();
        assertThat(CpuSet.parse("^0", 4).list()).isEqualTo("1-3");
        assertThat(CpuSet.parse(" 2 , 0 ", 4).list()).isEqualTo("0,2");
    }

    @Test
    void aCpuTheHostLacksIsRefusedNamingHowManyItHas() {
        assertThatThrownBy(() -> CpuSet.parse("0,5", 2)).hasMessage("CPU 5 in '0,5' does not exist: this host has 2 CPUs (0-1)");
        assertThatThrownBy(() -> CpuSet.parse("1-x", 2)).hasMessageContaining("is not a list of CPUs");
        assertThatThrownBy(() -> CpuSet.parse("3-1", 4)).hasMessageContaining("is not a CPU range");
        assertThatThrownBy(() -> CpuSet.parse("0,^0", 4)).hasMessageContaining("leaves no CPU");
        assertThatThrownBy(() -> CpuSet.parse("", 4)).hasMessageContaining("is not a list of CPUs");
    }
}
