package org.vmhost.api;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where xend's API listens.
 *
 * @param socket    the UNIX socket, e.g. {@code $VMHOST_HOME/run/xend.sock}; created with mode 0600, and every
 *                  request on it is trusted
 * @param tokenFile the bearer token that TCP clients must present to change anything, e.g.
 *                  {@code $VMHOST_HOME/api.token}; created with mode 0600 and a random token when absent
 * @param tcp       the TCP listener, or empty for none
 */
public record ApiSettings(Path socket, Path tokenFile, Optional<Tcp> tcp) {
    /** xend's port. */
    public static final int XEND_PORT = 8000;

    public ApiSettings {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(tokenFile, "tokenFile");
        Objects.requireNonNull(tcp, "tcp");
    }

    /** The UNIX socket and TCP on 127.0.0.1:8000, as xend listens by default. */
    public static ApiSettings of(Path socket, Path tokenFile) {
        return new ApiSettings(socket, tokenFile, Optional.of(new Tcp("127.0.0.1", XEND_PORT)));
    }

    public ApiSettings withTcp(String host, int port) {
        return new ApiSettings(socket, tokenFile, Optional.of(new Tcp(host, port)));
    }

    public ApiSettings withoutTcp() {
        return new ApiSettings(socket, tokenFile, Optional.empty());
    }

    /**
     * A TCP address to listen on.
     *
     * @param host an address or name of this host
     * @param port 1–65535, or 0 for any free port (see {@link ApiServer#tcpPort()})
     */
    public record Tcp(String host, int port) {
        public Tcp {
            Objects.requireNonNull(host, "host");
            if (host.isBlank()) throw new IllegalArgumentException("blank TCP host");
            if (port < 0 || port > 65535) throw new IllegalArgumentException("TCP port out of range: " + port);
        }
    }
}
