package org.vmhost.network;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A network as {@code xm net-list} shows it.
 *
 * @param name     its name
 * @param type     {@code bridged}, {@code nat} or {@code isolated}
 * @param bridge   the host bridge
 * @param subnet   a nat network's subnet
 * @param active   whether the bridge exists and is up now
 * @param madeByXend whether xend made the bridge (and removes it with the network)
 * @param taps     the taps attached to the bridge now
 * @param uplink   a bridged network's host interface, moved into the bridge at the user's request
 */
public record NetworkInfo(String name, String type, String bridge, Optional<String> subnet, boolean active,
                          boolean madeByXend, List<String> taps, Optional<String> uplink) {
    public NetworkInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(bridge, "bridge");
        if (subnet == null) subnet = Optional.empty();
        taps = taps == null ? List.of() : List.copyOf(taps);
        if (uplink == null) uplink = Optional.empty();
    }

    public NetworkInfo(String name, String type, String bridge, Optional<String> subnet, boolean active,
                       boolean madeByXend, List<String> taps) {
        this(name, type, bridge, subnet, active, madeByXend, taps, Optional.empty());
    }
}
