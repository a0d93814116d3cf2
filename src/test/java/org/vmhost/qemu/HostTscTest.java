package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class HostTscTest {

    @Test
    void theRefinedCalibrationWinsOverTheFirstDetectedRate() {
        String log = """
                [    0.000000] tsc: Detected 2299.998 MHz processor
                [    1.234567] tsc: Refined TSC clocksource calibration: 2300.012 MHz
                """;
        assertThat(HostTsc.fromKernelLog(log)).isEqualTo(OptionalLong.of(2_300_012));
    }

    @Test
    void cpuinfoGivesTheFirstCpusRateInKhz() {
        assertThat(HostTsc.fromCpuinfo("processor\t: 0\ncpu MHz\t\t: 2445.406\n\nprocessor\t: 1\ncpu MHz\t\t: 1000.000\n"))
                .isEqualTo(OptionalLong.of(2_445_406));
    }

    @Test
    void thisHostHasAKnownRate() {
        OptionalLong khz = HostTsc.khz();
        assertThat(khz).isPresent();
        assertThat(khz.getAsLong()).isBetween(100_000L, 10_000_000L);
    }
}
