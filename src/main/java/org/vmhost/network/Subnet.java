package org.vmhost.network;

/**
 * An IPv4 subnet in CIDR form, of /8 to /29: the host takes the first address, dnsmasq leases from the
 * second to the last but one.
 */
record Subnet(int network, int prefix) {

    static Subnet parse(String cidr) {
        String[] parts = cidr.split("/", -1);
        if (parts.length != 2) throw new IllegalArgumentException("subnet '" + cidr + "' is not like 192.168.100.0/24");
        int prefix;
        try {
            prefix = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("subnet '" + cidr + "': prefix length is not a number");
        }
        if (prefix < 8 || prefix > 29) throw new IllegalArgumentException("subnet '" + cidr + "': prefix length must be 8 to 29");
        String[] octets = parts[0].split("\\.", -1);
        if (octets.length != 4) throw new IllegalArgumentException("subnet '" + cidr + "' is not like 192.168.100.0/24");
        int addr = 0;
        for (String o : octets) {
            int v;
            try {
                v = Integer.parseInt(o);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("subnet '" + cidr + "': '" + o + "' is not a number");
            }
            if (v < 0 || v > 255) throw new IllegalArgumentException("subnet '" + cidr + "': " + v + " is out of range");
            addr = (addr << 8) | v;
        }
        int mask = (int) (0xffffffffL << (32 - prefix));
        if ((addr & ~mask) != 0) throw new IllegalArgumentException("subnet '" + cidr + "' has host bits set");
        return new Subnet(addr, prefix);
    }

    /** The host's address on the bridge, with the prefix: {@code 192.168.100.1/24}. */
    String hostAddressWithPrefix() {
        return hostAddress() + "/" + prefix;
    }

    String hostAddress() {
        return format(network + 1);
    }

    String firstLease() {
        return format(network + 2);
    }

    String lastLease() {
        return format(network + (int) ((1L << (32 - prefix)) - 2));
    }

    String netmask() {
        return format((int) (0xffffffffL << (32 - prefix)));
    }

    @Override
    public String toString() {
        return format(network) + "/" + prefix;
    }

    private static String format(int a) {
        return ((a >>> 24) & 255) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255);
    }
}
