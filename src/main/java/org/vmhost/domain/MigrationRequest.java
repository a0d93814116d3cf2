package org.vmhost.domain;

import java.util.Objects;

/**
 * {@code xm migrate}'s arguments.
 *
 * @param host        the destination's relocation server (name or address)
 * @param port        its port (xend's 8002)
 * @param live        keep the guest running while its memory is copied ({@code -l}); otherwise it is paused,
 *                    moved and resumed
 * @param copyStorage copy disks the destination does not share ({@code --copy-storage})
 * @param token       an administrator's token of the destination xend
 * @param fingerprint the SHA-256 fingerprint of the destination's certificate: the only one trusted
 */
public record MigrationRequest(String host, int port, boolean live, boolean copyStorage, String token, String fingerprint) {
    public static final int RELOCATION_PORT = 8002;

    public MigrationRequest {
        Objects.requireNonNull(host, "host");
        if (host.isBlank() || !host.matches("[A-Za-z0-9.:\\[\\]_-]+")) throw new IllegalArgumentException("invalid host '" + host + "'");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port must be 1 to 65535, not " + port);
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(fingerprint, "fingerprint");
    }

    /** Never shows the token. */
    @Override
    public String toString() {
        return "MigrationRequest[host=" + host + ", port=" + port + ", live=" + live + ", copyStorage=" + copyStorage
                + ", token=XXXXXXXX, fingerprint=" + fingerprint + "]";
    }
}
