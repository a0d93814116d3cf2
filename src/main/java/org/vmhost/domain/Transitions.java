package org.vmhost.domain;

import org.vmhost.error.VmhostException;
import org.vmhost.error.ErrorCode;
import static org.vmhost.domain.DomainState.BLOCKED;
import static org.vmhost.domain.DomainState.CRASHED;
import static org.vmhost.domain.DomainState.DYING;
import static org.vmhost.domain.DomainState.MIGRATING;
import static org.vmhost.domain.DomainState.PAUSED;
import static org.vmhost.domain.DomainState.REATTACHING;
import static org.vmhost.domain.DomainState.RUNNING;
import static org.vmhost.domain.DomainState.SAVING;
import static org.vmhost.domain.DomainState.SHUTTING_DOWN;
import static org.vmhost.domain.DomainState.SHUT_OFF;
import static org.vmhost.domain.DomainState.STARTING;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The lifecycle in one table: which state may follow which, and which operation each state allows.
 * Every change of a domain's state is checked here, and a test walks every pair.
 */
public final class Transitions {

    private static final Map<DomainState, Set<DomainState>> NEXT = new EnumMap<>(DomainState.class);

    static {
        // A domain xend found running when it started is re-attaching until its QEMU answered (or proved gone).
        NEXT.put(SHUT_OFF, EnumSet.of(STARTING, REATTACHING));
        NEXT.put(REATTACHING, EnumSet.of(RUNNING, PAUSED, DYING, SHUT_OFF));
        NEXT.put(STARTING, EnumSet.of(RUNNING, PAUSED, SHUT_OFF));
        NEXT.put(RUNNING, EnumSet.of(BLOCKED, PAUSED, SHUTTING_DOWN, CRASHED, DYING, SHUT_OFF, SAVING, MIGRATING));
        NEXT.put(BLOCKED, EnumSet.of(RUNNING, PAUSED, SHUTTING_DOWN, CRASHED, DYING, SHUT_OFF, SAVING, MIGRATING));
        NEXT.put(PAUSED, EnumSet.of(RUNNING, CRASHED, DYING, SHUT_OFF, SAVING, MIGRATING));
        // A guest asked to shut down may instead reboot (back to running) or crash.
        NEXT.put(SHUTTING_DOWN, EnumSet.of(RUNNING, CRASHED, DYING, SHUT_OFF));
        NEXT.put(CRASHED, EnumSet.of(RUNNING, DYING, SHUT_OFF));
        NEXT.put(DYING, EnumSet.of(SHUT_OFF));
        // A save or a migration ends with the guest gone (saved, moved), or back as it was (-c, a failure).
        NEXT.put(SAVING, EnumSet.of(RUNNING, BLOCKED, PAUSED, CRASHED, DYING, SHUT_OFF));
        NEXT.put(MIGRATING, EnumSet.of(RUNNING, BLOCKED, PAUSED, CRASHED, DYING, SHUT_OFF));
    }

    /** The operations a user can ask for, with the states that allow each. */
    public enum Operation {
        START(SHUT_OFF),
        SHUTDOWN(RUNNING, BLOCKED, SHUTTING_DOWN),
        REBOOT(RUNNING, BLOCKED),
        RESET(RUNNING, BLOCKED, PAUSED, SHUTTING_DOWN, CRASHED),
        DESTROY(STARTING, RUNNING, BLOCKED, PAUSED, SHUTTING_DOWN, CRASHED),
        PAUSE(RUNNING, BLOCKED),
        UNPAUSE(PAUSED),
        RENAME(SHUT_OFF, RUNNING, BLOCKED, PAUSED, SHUTTING_DOWN, CRASHED),
        DELETE(SHUT_OFF),
        /** Reading the consoles: also while the guest is saved or moved, which a user may want to watch. */
        CONSOLE(RUNNING, BLOCKED, PAUSED, SHUTTING_DOWN, CRASHED, SAVING, MIGRATING),
        /** Adding or removing a device of a running domain (a NIC, a disk). */
        HOTPLUG(RUNNING, BLOCKED, PAUSED),
        /** xm save: the guest's memory and device state to a file. */
        SAVE(RUNNING, BLOCKED, PAUSED),
        /** xm snapshot-create, -apply, -delete. */
        SNAPSHOT(SHUT_OFF, RUNNING, BLOCKED, PAUSED);

        private final Set<DomainState> allowed;

        Operation(DomainState first, DomainState... rest) {
            this.allowed = EnumSet.of(first, rest);
        }

        public boolean allowedIn(DomainState state) {
            return allowed.contains(state);
        }

        public String verb() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private Transitions() {}

    public static boolean allowed(DomainState from, DomainState to) {
        return from == to || NEXT.get(from).contains(to);
    }

    /** Fails with INVALID_STATE naming the domain, the operation and the state it is in. */
    public static void requireAllowed(String domain, Operation op, DomainState state) {
        if (!op.allowedIn(state)) {
            throw new VmhostException(ErrorCode.INVALID_STATE,
                    "cannot " + op.verb() + " domain '" + domain + "': it is " + describe(state));
        }
    }

    static String describe(DomainState state) {
        return switch (state) {
            case SHUT_OFF -> "not running";
            case STARTING -> "starting";
            case RUNNING, BLOCKED -> "running";
            case PAUSED -> "paused";
            case SHUTTING_DOWN -> "shutting down";
            case CRASHED -> "crashed";
            case DYING -> "being destroyed";
            case REATTACHING -> "being re-attached after xend started";
            case SAVING -> "being saved (xm save)";
            case MIGRATING -> "being migrated (xm migrate)";
        };
    }
}
