package org.vmhost.monitor;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** What {@code xm top} shows at one moment: the host and each running domain. */
public record StatsReport(Instant time, HostStats host, List<DomainStats> domains) {
    public StatsReport {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(host, "host");
        domains = List.copyOf(domains);
    }
}
