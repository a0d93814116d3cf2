package org.vmhost.qemu;

import java.util.OptionalInt;
import java.util.function.Supplier;
import org.vmhost.qemu.qmp.QmpEvent;

/**
 * Watches QMP events for the one that explains a QEMU's end, and names the end when the process is
 * gone. Events arrive on the QMP client's event thread; the verdict is asked for on another.
 */
final class QemuExitTracker {
    private QemuExit ending; // the first end since the guest last ran; null while it runs

    synchronized void onEvent(QmpEvent event) {
        switch (event.name()) {
            case "SHUTDOWN" -> {
                if (ending == null) {
                    ending = new QemuExit.Shutdown(QemuExit.Cause.fromQmp(event.data().path("reason").asText("")),
                            event.data().path("guest").asBoolean(false));
                }
            }
            case "GUEST_PANICKED" -> {
                if (ending == null) ending = new QemuExit.Panicked(event.data().path("action").asText("unknown"));
            }
            // The guest runs again (a restart in place): an earlier end no longer explains a later exit.
            case "RESUME" -> ending = null;
            default -> { }
        }
    }

    /**
     * The verdict once the process has ended.
     *
     * @param exitStatus  the status when vmhost was the parent
     * @param killedByUs  whether vmhost sent SIGKILL
     * @param lastWords   the tail of QEMU's log, read only for a crash
     */
    synchronized QemuExit verdict(OptionalInt exitStatus, boolean killedByUs, Supplier<String> lastWords) {
        if (ending != null) return ending;
        if (killedByUs) return new QemuExit.Killed();
        return new QemuExit.Crashed(exitStatus, lastWords.get());
    }
}
