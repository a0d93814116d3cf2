package org.vmhost.qemu;

import java.util.Objects;

/**
 * How one of a domain's vifs reaches the host, decided by the network package before launch.
 *
 * @param mac     the MAC address the guest sees, already chosen
 * @param backend the host side of the link
 */
public record NicAttachment(String mac, Backend backend) {

    public NicAttachment {
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(backend, "backend");
        if (!mac.matches("([0-9a-f]{2}:){5}[0-9a-f]{2}")) throw new IllegalArgumentException("invalid MAC address: " + mac);
    }

    /** The host side of a NIC. */
    public sealed interface Backend permits Tap, User {}

    /** A tap device already made and attached to its bridge by the network package. */
    public record Tap(String ifname) implements Backend {
        public Tap {
            if (!ifname.matches("[A-Za-z0-9._-]{1,15}")) throw new IllegalArgumentException("invalid tap name: " + ifname);
        }
    }

    /**
     * QEMU's user-mode network, only where a vif or the host's setting asks for it; always restricted, so the
     * guest reaches nothing of the host (10.0.2.2 would otherwise be the host's loopback).
     */
    public record User() implements Backend {}
}
