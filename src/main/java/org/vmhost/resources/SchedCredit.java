package org.vmhost.resources;

import java.util.Objects;

/**
 * A domain's credit scheduler settings, as {@code xm sched-credit} shows them.
 *
 * @param weight 1–65535, 256 the default: CPU time in proportion to the other domains' weights when they compete
 * @param cap    the most CPU it may use, in percent of one CPU; 0 for none
 */
public record SchedCredit(String name, int domid, int weight, int cap) {
    public SchedCredit {
        Objects.requireNonNull(name, "name");
    }
}
