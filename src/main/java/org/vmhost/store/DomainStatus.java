package org.vmhost.store;

import java.time.Instant;
import java.util.Objects;

/**
 * What xend must remember about a running domain to find it again after a restart. One per running
 * domain; it goes when the domain stops, and with its definition.
 *
 * @param uuid          the domain's UUID (canonical lower case); a {@link DomainDefinition} must exist
 * @param domid         the domain id, from {@link Store#allocateDomid()}; unique among running domains
 * @param pid           the QEMU process
 * @param pidStartTime  field 22 of {@code /proc/<pid>/stat} when QEMU started, to tell it from a later
 *                      process that reused the pid
 * @param qmpSocket     path of QEMU's QMP socket
 * @param consoleSocket path of the serial console socket, or null if the domain has none
 * @param consoleLog    path of the serial console log QEMU writes, or null
 * @param state         the name of the domain's state (the domain package's {@code DomainState}); the store
 *                      keeps it as text, and the domain package reads it back
 * @param startedAt     when QEMU was started
 * @param runtimeJson   other runtime facts as a JSON object (taps, MACs chosen, VNC display, ...); the
 *                      store keeps it as text and does not read it
 */
public record DomainStatus(String uuid, int domid, long pid, long pidStartTime, String qmpSocket,
                           String consoleSocket, String consoleLog, String state, Instant startedAt,
                           String runtimeJson) {
    public DomainStatus {
        DomainDefinition.requireCanonicalUuid(uuid);
        if (domid <= 0) throw new IllegalArgumentException("domain id must be positive (0 is the host): " + domid);
        if (pid <= 0) throw new IllegalArgumentException("pid must be positive: " + pid);
        if (pidStartTime < 0) throw new IllegalArgumentException("pid start time is negative: " + pidStartTime);
        Objects.requireNonNull(qmpSocket, "qmpSocket");
        if (qmpSocket.isBlank()) throw new IllegalArgumentException("QMP socket path is blank");
        Objects.requireNonNull(state, "state");
        // The store does not know the states (it must not import the domain package); it keeps their form.
        if (!STATE.matcher(state).matches()) throw new IllegalArgumentException("not a domain state: " + state);
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(runtimeJson, "runtimeJson");
    }

    private static final java.util.regex.Pattern STATE = java.util.regex.Pattern.compile("[A-Z][A-Z_]*");

    /** The same status in another state (a state's name). */
    public DomainStatus withState(String newState) {
        return new DomainStatus(uuid, domid, pid, pidStartTime, qmpSocket, consoleSocket, consoleLog,
                newState, startedAt, runtimeJson);
    }
}
