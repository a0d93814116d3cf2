package org.vmhost.resources;

import java.util.List;
import java.util.Objects;

/**
 * {@code xm sched-credit}'s answer: how the credit scheduler is applied on this host, and the domains' settings.
 *
 * @param controller the cgroup CPU controller used ("cgroup v1 (...)", "cgroup v2 (...)"), or why there is none
 */
public record SchedulerInfo(String controller, List<SchedCredit> domains) {
    public SchedulerInfo {
        Objects.requireNonNull(controller, "controller");
        domains = List.copyOf(domains);
    }
}
