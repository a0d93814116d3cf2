package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.vmhost.qemu.AcceleratorProbe.Outcome;

/** Runs the probe guest in real QEMU. */
@Tag("guest")
class AcceleratorProbeBootTest {
    private static final Path QEMU = Path.of("qemu-system-x86_64");

    @Test
    void theProbeGuestPassesEveryStageUnderTcg() throws Exception {
        Outcome outcome = new AcceleratorProbe(QEMU, Duration.ofSeconds(10)).boot(Accelerator.TCG);
        assertThat(outcome).isInstanceOf(Outcome.Passed.class);
        assertThat(((Outcome.Passed) outcome).elapsed()).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void theProbeAnswersWithAReasonWithinTenSeconds() throws Exception {
        long start = System.nanoTime();
        AcceleratorChoice choice = new AcceleratorProbe(QEMU, AcceleratorProbe.DEFAULT_TIME_LIMIT).probe();
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).isLessThan(Duration.ofSeconds(10));
        assertThat(choice.reason()).startsWith("KVM");
        if (Files.exists(Path.of("/sys/module/kvm_pvm"))) {
            // The development machines' nested KVM: /dev/kvm opens, ordinary guests hang after real mode.
            assertThat(choice).isEqualTo(new AcceleratorChoice(Accelerator.TCG,
                    "KVM probe timed out after 5 s: guest reached real mode but not protected mode"));
        }
    }
}
