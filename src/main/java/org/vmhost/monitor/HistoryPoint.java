package org.vmhost.monitor;

import java.time.Instant;
import java.util.Objects;

/**
 * One value of a series: the average over the step that starts at {@code time}. The newest point may be of a
 * step still in progress.
 */
public record HistoryPoint(Instant time, double value) {
    public HistoryPoint {
        Objects.requireNonNull(time, "time");
    }
}
