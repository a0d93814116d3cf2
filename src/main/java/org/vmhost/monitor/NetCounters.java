package org.vmhost.monitor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One vif's counters, as the guest sees them: what the host's tap transmits the guest receives, so rx and tx
 * are the tap's tx and rx swapped (xentop's convention).
 *
 * @param vif the vif's name, {@code vif<domid>.<devid>}
 */
public record NetCounters(String vif, long rxBytes, long txBytes, long rxPackets, long txPackets) {
    public NetCounters {
        Objects.requireNonNull(vif, "vif");
    }

    /** The counters of a tap from /sys/class/net/TAP/statistics, or empty when it is gone. */
    static Optional<NetCounters> ofTap(Path sysClassNet, String vif, String tap) {
        Path dir = sysClassNet.resolve(tap).resolve("statistics");
        try {
            return Optional.of(new NetCounters(vif, read(dir, "tx_bytes"), read(dir, "rx_bytes"),
                    read(dir, "tx_packets"), read(dir, "rx_packets")));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static long read(Path dir, String name) throws IOException {
        return Long.parseLong(Files.readString(dir.resolve(name)).strip());
    }
}
