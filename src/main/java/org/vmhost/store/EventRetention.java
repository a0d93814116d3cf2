package org.vmhost.store;

import java.time.Duration;
import java.util.Objects;

/**
 * How much of the event log a store keeps: at most {@code maxEvents} events, none more than {@code maxAge}
 * older than the newest. Applied in the transaction of every append, so the log never grows past it, whatever
 * a guest does to make events (a reboot loop makes two a boot).
 */
public record EventRetention(int maxEvents, Duration maxAge) {
    /** What xend keeps unless xend.conf says otherwise. */
    public static final EventRetention DEFAULT = new EventRetention(10_000, Duration.ofDays(90));

    public EventRetention {
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxEvents < 1) throw new IllegalArgumentException("an event log must keep at least one event: " + maxEvents);
        if (maxAge.isNegative() || maxAge.isZero()) throw new IllegalArgumentException("event log age must be positive: " + maxAge);
    }
}
