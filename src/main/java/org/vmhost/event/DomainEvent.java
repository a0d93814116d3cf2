package org.vmhost.event;

import java.time.Instant;
import java.util.Objects;

/**
 * One entry of the event log that xend keeps: what happened to which domain, and when.
 *
 * @param time    when
 * @param domain  the domain's name at the time
 * @param kind    a short word: created, started, paused, shutdown, crashed, destroyed, ...
 * @param message a sentence for people
 */
public record DomainEvent(Instant time, String domain, String kind, String message) {
    public DomainEvent {
        Objects.requireNonNull(time);
        Objects.requireNonNull(domain);
        Objects.requireNonNull(kind);
        Objects.requireNonNull(message);
    }
}
