package org.vmhost.qemu;

import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * How a QEMU process ended, from what vmhost saw of it: the first SHUTDOWN or GUEST_PANICKED event
 * since the guest last resumed, or else the bare process exit. "First" matters because vmhost runs
 * QEMU with {@code -no-shutdown}: a guest that powers off leaves QEMU stopped, and the {@code quit}
 * that follows emits a second SHUTDOWN (host-qmp-quit) that is not why the guest ended.
 */
public sealed interface QemuExit {

    /** One line for logs and {@code xm}: "guest shut down (guest-shutdown)". */
    String describe();

    /**
     * QEMU reported a shutdown, with its reason.
     *
     * @param guest whether the guest asked for it (QEMU's {@code guest} flag)
     */
    record Shutdown(Cause cause, boolean guest) implements QemuExit {
        public Shutdown {
            Objects.requireNonNull(cause, "cause");
        }

        @Override
        public String describe() {
            return (guest ? "guest shut down" : "QEMU shut down by the host") + " (" + cause.qmpName() + ")";
        }
    }

    /**
     * The guest reported a panic through the pvpanic device.
     *
     * @param action what QEMU did about it: {@code pause}, {@code poweroff} or {@code run}
     */
    record Panicked(String action) implements QemuExit {
        public Panicked {
            Objects.requireNonNull(action, "action");
        }

        @Override
        public String describe() {
            return "guest panicked (QEMU action: " + action + ")";
        }
    }

    /**
     * QEMU ended without reporting a shutdown: it crashed, or something outside vmhost killed it. (Exit
     * status 0 means QEMU did shut down cleanly while vmhost's QMP connection was gone, so it could not
     * hear why.)
     *
     * @param exitStatus its exit status when vmhost was its parent (128 + n for signal n); empty after a
     *                   re-attach, when the status went to another parent
     * @param lastWords  the last lines QEMU wrote to its log, often the reason; may be empty
     */
    record Crashed(OptionalInt exitStatus, String lastWords) implements QemuExit {
        public Crashed {
            Objects.requireNonNull(exitStatus, "exitStatus");
            Objects.requireNonNull(lastWords, "lastWords");
        }

        @Override
        public String describe() {
            String status = exitStatus.isEmpty() ? "" : exitStatus.getAsInt() > 128
                    ? " (exit status " + exitStatus.getAsInt() + ", signal " + (exitStatus.getAsInt() - 128) + ")"
                    : " (exit status " + exitStatus.getAsInt() + ")";
            return "QEMU ended without shutting down" + status + (lastWords.isEmpty() ? "" : ": " + lastWords);
        }
    }

    /** vmhost killed QEMU with SIGKILL after {@code quit} and SIGTERM went unanswered. */
    record Killed() implements QemuExit {
        @Override
        public String describe() {
            return "QEMU killed (SIGKILL) after quit and SIGTERM went unanswered";
        }
    }

    /** QEMU's ShutdownCause, as its SHUTDOWN event names it. */
    enum Cause {
        NONE, HOST_ERROR, HOST_QMP_QUIT, HOST_QMP_SYSTEM_RESET, HOST_SIGNAL, HOST_UI,
        GUEST_SHUTDOWN, GUEST_RESET, GUEST_PANIC, SUBSYSTEM_RESET, SNAPSHOT_LOAD,
        /** A cause this version of vmhost does not know (a newer QEMU). */
        UNKNOWN;

        /** The name QEMU uses, e.g. {@code host-qmp-quit}. */
        public String qmpName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static Cause fromQmp(String name) {
            for (Cause c : values()) {
                if (c != UNKNOWN && c.qmpName().equals(name)) return c;
            }
            return UNKNOWN;
        }
    }
}
