package org.vmhost.network;

import java.util.Locale;

/** The kinds of network xend makes. */
public enum NetworkType {
    /** A host bridge that guests share with whatever the administrator attached to it (Xen's xenbr0). */
    BRIDGED,
    /** A bridge with its own subnet: dnsmasq hands out addresses and names, nftables masquerades. */
    NAT,
    /** A bridge with no way out: guests on it reach each other and nothing else, not even the host. */
    ISOLATED;

    /** The name the commands and the API use: {@code bridged}, {@code nat}, {@code isolated}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static NetworkType fromConfigName(String name) {
        for (NetworkType t : values()) if (t.configName().equals(name)) return t;
        throw new IllegalArgumentException("network type must be bridged, nat or isolated, not '" + name + "'");
    }
}
