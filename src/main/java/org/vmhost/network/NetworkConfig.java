package org.vmhost.network;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A network as the user asked for it ({@code xm net-create}).
 *
 * @param name   the network's name, which a vif's {@code bridge=} may give instead of the bridge's
 * @param type   bridged, nat or isolated
 * @param bridge the host bridge; made when missing
 * @param subnet for nat: the IPv4 subnet in CIDR form; the host takes its first address, dnsmasq leases
 *               the rest. Empty for bridged and isolated networks.
 * @param uplink for bridged: a host interface to move into the bridge, with its IPv4 addresses and routes,
 *               as Xen's network-bridge script did with eth0; only when the user asks. Empty otherwise.
 */
public record NetworkConfig(String name, NetworkType type, String bridge, Optional<String> subnet, Optional<String> uplink) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    /** Linux interface names: at most 15 bytes, no slash, blank or colon. */
    static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

    public NetworkConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(bridge, "bridge");
        Objects.requireNonNull(subnet, "subnet");
        Objects.requireNonNull(uplink, "uplink");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid network name '" + name + "': use 1 to 32 letters, digits and . _ -");
        }
        if (!IFNAME.matcher(bridge).matches()) {
            throw new IllegalArgumentException("invalid bridge name '" + bridge + "': at most 15 letters, digits and . _ -");
        }
        if (type == NetworkType.NAT) {
            Subnet.parse(subnet.orElseThrow(() -> new IllegalArgumentException("a nat network needs a subnet, e.g. 192.168.100.0/24")));
        } else if (subnet.isPresent()) {
            throw new IllegalArgumentException("only a nat network has a subnet; a " + type.configName()
                    + " network gives the host no address on its bridge");
        }
        if (uplink.isPresent()) {
            if (type != NetworkType.BRIDGED) throw new IllegalArgumentException("only a bridged network has an uplink");
            if (!IFNAME.matcher(uplink.get()).matches()) throw new IllegalArgumentException("invalid uplink name '" + uplink.get() + "'");
            if (uplink.get().equals(bridge)) throw new IllegalArgumentException("a bridge cannot be its own uplink");
        }
    }

    /** A network without an uplink: the host's own interfaces and addresses stay where they are. */
    public NetworkConfig(String name, NetworkType type, String bridge, Optional<String> subnet) {
        this(name, type, bridge, subnet, Optional.empty());
    }
}
