package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.qemu.AcceleratorProbe.Outcome;

class AcceleratorProbeTest {

    @Test
    void onlyAGuestThatPassedChoosesKvm() {
        assertThat(AcceleratorProbe.decide(new Outcome.Passed(Duration.ofMillis(830))))
                .isEqualTo(new AcceleratorChoice(Accelerator.KVM, "KVM probe ok in 830 ms"));
    }

    @Test
    void aMissingDeviceChoosesTcg() {
        assertThat(AcceleratorProbe.decide(new Outcome.DeviceMissing(Path.of("/dev/kvm"))))
                .isEqualTo(new AcceleratorChoice(Accelerator.TCG, "KVM: /dev/kvm missing"));
    }

    @Test
    void aDeviceThatWillNotOpenChoosesTcg() {
        assertThat(AcceleratorProbe.decide(new Outcome.DeviceUnusable(Path.of("/dev/kvm"), "permission denied")))
                .isEqualTo(new AcceleratorChoice(Accelerator.TCG, "KVM: cannot open /dev/kvm: permission denied"));
    }

    @Test
    void aGuestHangingAfterRealModeChoosesTcgAndSaysWhereItStopped() {
        assertThat(AcceleratorProbe.decide(new Outcome.TimedOut(Duration.ofSeconds(5), "R")))
                .isEqualTo(new AcceleratorChoice(Accelerator.TCG,
                        "KVM probe timed out after 5 s: guest reached real mode but not protected mode"));
    }

    @Test
    void aGuestThatNeverStartedIsReportedAsSuch() {
        assertThat(AcceleratorProbe.decide(new Outcome.TimedOut(Duration.ofMillis(2500), "")).reason())
                .isEqualTo("KVM probe timed out after 2.5 s: guest did not start (no output)");
    }

    @Test
    void qemuExitingOnItsOwnChoosesTcgWithItsLastWords() {
        AcceleratorChoice choice = AcceleratorProbe.decide(new Outcome.Failed(1, "",
                "qemu-system-x86_64: -accel kvm: failed to initialize kvm: Operation not permitted"));
        assertThat(choice.accelerator()).isEqualTo(Accelerator.TCG);
        assertThat(choice.reason()).isEqualTo("KVM probe failed: QEMU exited with status 1 (guest did not start "
                + "(no output)): qemu-system-x86_64: -accel kvm: failed to initialize kvm: Operation not permitted");
    }

    @Test
    void aWrongResultInLongModeChoosesTcg() {
        assertThat(AcceleratorProbe.decide(new Outcome.Failed(3, "RPLF", "")).reason())
                .isEqualTo("KVM probe failed: QEMU exited with status 3 (guest reached long mode but computed a wrong result)");
    }

    @Test
    void aProbeThatCouldNotRunChoosesTcg() {
        assertThat(AcceleratorProbe.decide(new Outcome.CouldNotRun("cannot run qemu: not found")))
                .isEqualTo(new AcceleratorChoice(Accelerator.TCG, "KVM probe could not run: cannot run qemu: not found"));
    }

    @Test
    void everyStageHasWords() {
        assertThat(AcceleratorProbeRom.describe("RP")).isEqualTo("guest reached protected mode but not long mode");
        assertThat(AcceleratorProbeRom.describe("RPL")).isEqualTo("guest reached long mode but did not finish its check");
        assertThat(AcceleratorProbeRom.describe("RPLK")).isEqualTo("guest passed every stage");
        assertThat(AcceleratorProbeRom.describe("xyz")).contains("unexpected stage marks 'xyz'");
    }

    @Test
    void withoutTheDeviceTheProbeAnswersTcgWithoutRunningQemu(@TempDir Path dir) throws Exception {
        AcceleratorProbe probe = new AcceleratorProbe(dir.resolve("no-qemu-here"), Duration.ofSeconds(1),
                dir.resolve("kvm"));
        assertThat(probe.probe()).isEqualTo(new AcceleratorChoice(Accelerator.TCG, "KVM: " + dir.resolve("kvm") + " missing"));
    }

    @Test
    void theRomIsSixtyFourKibWithTheResetJumpAndTheTailInPlace() {
        byte[] rom = AcceleratorProbeRom.build(new byte[] {(byte) 0xf4});
        assertThat(rom).hasSize(64 * 1024);
        assertThat(rom[0xfff0]).isEqualTo((byte) 0xe9);
        assertThat(rom[AcceleratorProbeRom.TAIL]).isEqualTo((byte) 0xf4);
        assertThat(rom[0]).isEqualTo((byte) 0xfa); // cli
        assertThatThrownBy(() -> AcceleratorProbeRom.build(new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void durationsReadAsPeopleWriteThem() {
        assertThat(AcceleratorProbe.format(Duration.ofMillis(80))).isEqualTo("80 ms");
        assertThat(AcceleratorProbe.format(Duration.ofSeconds(5))).isEqualTo("5 s");
        assertThat(AcceleratorProbe.format(Duration.ofMillis(1300))).isEqualTo("1.3 s");
    }
}
