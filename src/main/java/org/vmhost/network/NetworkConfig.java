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
 */
public record NetworkConfig(String name, NetworkType type, String bridge, Optional<String> subnet) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    /** Linux interface names: at most 15 bytes, no slash, blank or colon. */
    static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

    public NetworkConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(bridge, "bridge");
        Objects.requireNonNull(subnet, "subnet");
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
    }
}
