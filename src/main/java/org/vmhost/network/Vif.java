package org.vmhost.network;

import java.util.Objects;
import java.util.Optional;

/**
 * One vif of a running domain, as made on the host: a runtime fact kept in the domain's status, so that a
 * restarted xend knows its taps.
 *
 * @param devid  the device number within the domain (Xen's devid), 0, 1, ...
 * @param mac    the guest's MAC address
 * @param bridge the bridge the tap is attached to; empty for user-mode networking
 * @param tap    the tap device, {@code vif<domid>.<devid>} unless the config names it; empty for user-mode
 * @param model  the NIC model the guest sees
 * @param rate   the outbound limit applied to the tap, as written ({@code 10Mb/s}), if any
 */
public record Vif(int devid, String mac, Optional<String> bridge, Optional<String> tap, String model,
                  Optional<String> rate) {
    public Vif {
        if (devid < 0) throw new IllegalArgumentException("negative devid: " + devid);
        Objects.requireNonNull(mac, "mac");
        if (!MacAddress.valid(mac)) throw new IllegalArgumentException("invalid MAC address: " + mac);
        if (bridge == null) bridge = Optional.empty();
        if (tap == null) tap = Optional.empty();
        Objects.requireNonNull(model, "model");
        if (rate == null) rate = Optional.empty();
    }
}
