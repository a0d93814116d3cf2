package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.vmhost.json.JsonBinding;
import org.vmhost.qemu.QemuExit.Cause;
import org.vmhost.qemu.qmp.QmpEvent;

class QemuExitTrackerTest {
    private final QemuExitTracker tracker = new QemuExitTracker();

    private static QmpEvent event(String name, Map<String, ?> data) {
        return new QmpEvent(name, JsonBinding.toTree(data), Instant.now());
    }

    private static QmpEvent shutdown(String reason, boolean guest) {
        return event("SHUTDOWN", Map.of("guest", guest, "reason", reason));
    }

    @Test
    void aQuitIsAHostShutdown() {
        tracker.onEvent(shutdown("host-qmp-quit", false));
        assertThat(tracker.verdict(OptionalInt.of(0), false, () -> ""))
                .isEqualTo(new QemuExit.Shutdown(Cause.HOST_QMP_QUIT, false));
    }

    @Test
    void anExitWithoutShutdownIsACrashWithItsStatusAndLastWords() {
        assertThat(tracker.verdict(OptionalInt.of(134), false, () -> "qemu: fatal: boom"))
                .isEqualTo(new QemuExit.Crashed(OptionalInt.of(134), "qemu: fatal: boom"));
    }

    @Test
    void ourSigkillWithoutShutdownIsKilledNotCrashed() {
        assertThat(tracker.verdict(OptionalInt.of(137), true, () -> "")).isEqualTo(new QemuExit.Killed());
    }

    @Test
    void theGuestsPoweroffIsKeptAcrossTheQuitThatFollows() {
        tracker.onEvent(shutdown("guest-shutdown", true));
        tracker.onEvent(event("STOP", Map.of()));
        tracker.onEvent(shutdown("host-qmp-quit", false));
        assertThat(tracker.verdict(OptionalInt.of(0), false, () -> ""))
                .isEqualTo(new QemuExit.Shutdown(Cause.GUEST_SHUTDOWN, true));
    }

    @Test
    void aPanicWinsOverTheShutdownQemuDoesForIt() {
        tracker.onEvent(event("GUEST_PANICKED", Map.of("action", "poweroff")));
        tracker.onEvent(shutdown("guest-panic", true));
        assertThat(tracker.verdict(OptionalInt.of(0), false, () -> "")).isEqualTo(new QemuExit.Panicked("poweroff"));
    }

    @Test
    void aPausedPanicIsStillThePanicWhenVmhostThenKills() {
        tracker.onEvent(event("GUEST_PANICKED", Map.of("action", "pause")));
        assertThat(tracker.verdict(OptionalInt.of(137), true, () -> "")).isEqualTo(new QemuExit.Panicked("pause"));
    }

    @Test
    void aResumeForgetsAnEarlierEnd() {
        tracker.onEvent(shutdown("guest-shutdown", true));
        tracker.onEvent(event("RESET", Map.of("guest", false, "reason", "host-qmp-system-reset")));
        tracker.onEvent(event("RESUME", Map.of()));
        tracker.onEvent(shutdown("host-signal", false));
        assertThat(tracker.verdict(OptionalInt.of(0), false, () -> ""))
                .isEqualTo(new QemuExit.Shutdown(Cause.HOST_SIGNAL, false));
    }

    @Test
    void causesMapToQemusNamesAndUnknownOnesAreKept() {
        assertThat(Cause.fromQmp("guest-reset")).isEqualTo(Cause.GUEST_RESET);
        assertThat(Cause.HOST_QMP_SYSTEM_RESET.qmpName()).isEqualTo("host-qmp-system-reset");
        assertThat(Cause.fromQmp("something-new")).isEqualTo(Cause.UNKNOWN);
    }

    @Test
    void everyEndDescribesItself() {
        assertThat(new QemuExit.Shutdown(Cause.GUEST_SHUTDOWN, true).describe()).isEqualTo("guest shut down (guest-shutdown)");
        assertThat(new QemuExit.Crashed(OptionalInt.of(137), "").describe())
                .isEqualTo("QEMU ended without shutting down (exit status 137, signal 9)");
        assertThat(new QemuExit.Crashed(OptionalInt.empty(), "qemu: fatal").describe())
                .isEqualTo("QEMU ended without shutting down: qemu: fatal");
    }
}
