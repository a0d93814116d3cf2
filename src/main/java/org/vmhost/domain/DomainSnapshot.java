package org.vmhost.domain;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.vmhost.config.DomainConfig;

/**
 * Everything {@code xm list} and a domain's info show, from one moment: a domain publishes a new one after
 * each change, whole, so a reader never sees a state from one change and an id or start time from another.
 *
 * @param config    the parsed definition; null only when {@code error} says why it does not read
 * @param startedAt when the current QEMU started; null when none runs
 * @param pid       the current QEMU's pid; 0 when none runs (or none that xend controls)
 * @param error     why the stored definition no longer reads, for a domain recovery kept as it found it
 * @param memoryTarget MiB the running guest was last given by xm mem-set; 0 when none (it has its configured memory)
 */
record DomainSnapshot(String uuid, String name, OptionalInt domid, DomainState state, DomainConfig config,
                      String configText, boolean managed, boolean autostart, Instant startedAt, long pid,
                      Optional<String> error, int memoryTarget) {
    DomainSnapshot {
        Objects.requireNonNull(uuid);
        Objects.requireNonNull(name);
        Objects.requireNonNull(domid);
        Objects.requireNonNull(state);
        Objects.requireNonNull(configText);
        Objects.requireNonNull(error);
        if (config == null && error.isEmpty()) throw new IllegalArgumentException("a domain without a config needs an error");
    }
}
