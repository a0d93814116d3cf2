package org.vmhost.config;

import java.util.Objects;
import java.util.Optional;

/**
 * One virtual network interface ({@code vif = [ 'mac=...,bridge=...' ]}); every field may be left to
 * its default, as {@code ''} does.
 *
 * @param mac     fixed MAC address, lower case; empty means one is chosen under 00:16:3e
 * @param bridge  host bridge to attach to
 * @param ip      addresses the guest is expected to use (informational, space separated as in xm)
 * @param script  Xen's hotplug script name (kept for export; vmhost attaches to the bridge itself)
 * @param type    {@code ioemu} or {@code vif} (kept for export)
 * @param model   NIC model: rtl8139, e1000, virtio ...
 * @param vifname name of the host-side tap
 * @param rate    outbound limit as Xen writes it, e.g. {@code 10Mb/s}
 */
public record VifConfig(Optional<String> mac, Optional<String> bridge, Optional<String> ip,
                        Optional<String> script, Optional<String> type, Optional<String> model,
                        Optional<String> vifname, Optional<String> rate) {

    public VifConfig {
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(bridge, "bridge");
        Objects.requireNonNull(ip, "ip");
        Objects.requireNonNull(script, "script");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(vifname, "vifname");
        Objects.requireNonNull(rate, "rate");
        // Blank fields are defaults, as in the spec; a comma would end the field in the spec text.
        mac = field("mac", mac);
        bridge = field("bridge", bridge);
        ip = field("ip", ip);
        script = field("script", script);
        type = field("type", type);
        model = field("model", model);
        vifname = field("vifname", vifname);
        rate = field("rate", rate);
        mac = mac.map(m -> m.toLowerCase(java.util.Locale.ROOT));
        mac.ifPresent(m -> {
            if (!m.matches("([0-9a-f]{2}:){5}[0-9a-f]{2}")) {
                throw new IllegalArgumentException("invalid MAC address '" + m + "'");
            }
        });
    }

    private static Optional<String> field(String name, Optional<String> value) {
        Optional<String> v = value.map(String::strip).filter(x -> !x.isEmpty());
        v.ifPresent(x -> {
            if (x.indexOf(',') >= 0 || x.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("vif " + name + " '" + x + "' contains a comma or NUL");
            }
        });
        return v;
    }

    /** A vif with every field at its default ({@code ''} in a config file). */
    public static VifConfig defaults() {
        return new VifConfig(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }
}
