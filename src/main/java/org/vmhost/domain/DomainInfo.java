package org.vmhost.domain;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.vmhost.config.DomainType;

/**
 * A read-only view of one domain, as {@code xm list} and the API show it.
 *
 * @param name       the domain's name
 * @param domid      its id while it runs (Domain-0 is 0); empty when it is not running
 * @param uuid       its UUID
 * @param type       hvm or pv
 * @param state      its state
 * @param memory     MiB: a running domain's last xm mem-set target, else its configured memory
 * @param maxmem     MiB
 * @param vcpus      virtual CPUs
 * @param cpuTime    seconds of host CPU used since it started
 * @param managed    defined with {@code xm new} and kept when it stops
 * @param autostart  started when xend starts
 * @param configText the configuration text it was created from, or written back from its model; passwords masked
 * @param uptime     seconds since it started; 0 when it is not running
 * @param error      why its stored definition no longer reads: xend keeps such a domain listed (and its QEMU
 *                   running) rather than lose it; type is then null, memory and vcpus 0
 */
public record DomainInfo(String name, OptionalInt domid, String uuid, DomainType type, DomainState state,
                         int memory, int maxmem, int vcpus, double cpuTime, boolean managed,
                         boolean autostart, String configText, double uptime, Optional<String> error) {

    public DomainInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(domid, "domid");
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(error, "error");
        if (error.isEmpty()) Objects.requireNonNull(type, "type");
        Objects.requireNonNull(state, "state");
        configText = org.vmhost.config.Secrets.mask(Objects.requireNonNull(configText, "configText")); // a view never carries a password
    }
}
