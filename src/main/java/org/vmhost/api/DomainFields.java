package org.vmhost.api;

import java.io.IOException;
import java.util.Optional;
import java.util.OptionalInt;
import org.vmhost.config.DomainType;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainState;

/**
 * A {@link DomainInfo} as a reader of xend's answers collects it, field by field, each at its default until read:
 * the JSON reader ({@link LeanAnswers}) and the tab-separated one ({@link DomainTable}) fill one each.
 */
final class DomainFields {
    String name;
    OptionalInt domid = OptionalInt.empty();
    String uuid;
    DomainType type;
    DomainState state;
    int memory;
    int maxmem;
    int vcpus;
    double cpuTime;
    boolean managed;
    boolean autostart;
    String configText;
    double uptime;
    String error;

    /** The domain, or why these fields make none. */
    DomainInfo build() throws IOException {
        try {
            return new DomainInfo(name, domid, uuid, type, state, memory, maxmem, vcpus, cpuTime, managed, autostart,
                    configText, uptime, Optional.ofNullable(error));
        } catch (RuntimeException e) {
            throw new IOException("a domain that does not read: " + e.getMessage(), e);
        }
    }
}
