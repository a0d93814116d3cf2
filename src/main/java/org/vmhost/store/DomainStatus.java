package org.vmhost.store;

import java.time.Instant;
import java.util.Objects;
import org.vmhost.domain.DomainState;

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
 * @param state         a {@link DomainState} name
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
        try {
            DomainState.valueOf(state);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a domain state: " + state, e);
        }
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(runtimeJson, "runtimeJson");
    }

    /** The same status in another state. */
    public DomainStatus withState(DomainState newState) {
        return new DomainStatus(uuid, domid, pid, pidStartTime, qmpSocket, consoleSocket, consoleLog,
                newState.name(), startedAt, runtimeJson);
    }
}
