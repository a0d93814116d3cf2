package org.vmhost.monitor;

import java.util.List;
import java.util.Objects;

/**
 * One series over a time range at one resolution, as the API answers it.
 *
 * @param series      the metric asked for, e.g. {@code cpu} or {@code vbd/xvda/read_bytes}
 * @param resolution  its label: 5s, 1m, 1h or 1d
 * @param stepSeconds the step each point averages
 * @param points      oldest first; steps without a value are left out
 */
public record SeriesHistory(String series, String resolution, int stepSeconds, List<HistoryPoint> points) {
    public SeriesHistory {
        Objects.requireNonNull(series, "series");
        Objects.requireNonNull(resolution, "resolution");
        points = List.copyOf(points);
    }
}
