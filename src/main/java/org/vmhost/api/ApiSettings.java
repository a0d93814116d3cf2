package org.vmhost.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where xend's API listens, and who may use it (docs/security.md).
 *
 * @param socket    the UNIX socket, e.g. {@code $VMHOST_HOME/run/xend.sock}; mode 0600 (root only), or 0660 with
 *                  the {@link Access#socketGroup() socket group}; its peers are identified by SO_PEERCRED
 * @param tokenFile the administrator's bearer token, e.g. {@code $VMHOST_HOME/api.token}; created with mode 0600
 *                  and a random token when absent. Beside it live the tokens made with {@code xm token-create}
 *                  ({@code api-tokens.json}, hashed) and the TLS key ({@code tls/})
 * @param tcp       the TCP listener, or empty for none
 * @param access    the group, host names, PAM service and TLS choice
 */
public record ApiSettings(Path socket, Path tokenFile, Optional<Tcp> tcp, Access access) {
    /** xend's port. */
    public static final int XEND_PORT = 8000;

    public ApiSettings {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(tokenFile, "tokenFile");
        Objects.requireNonNull(tcp, "tcp");
        Objects.requireNonNull(access, "access");
    }

    public ApiSettings(Path socket, Path tokenFile, Optional<Tcp> tcp) {
        this(socket, tokenFile, tcp, Access.DEFAULT);
    }

    /** The UNIX socket and TCP on 127.0.0.1:8000, as xend listens by default. */
    public static ApiSettings of(Path socket, Path tokenFile) {
        return new ApiSettings(socket, tokenFile, Optional.of(new Tcp("127.0.0.1", XEND_PORT)));
    }

    public ApiSettings withTcp(String host, int port) {
        return new ApiSettings(socket, tokenFile, Optional.of(new Tcp(host, port)), access);
    }

    public ApiSettings withoutTcp() {
        return new ApiSettings(socket, tokenFile, Optional.empty(), access);
    }

    public ApiSettings withAccess(Access access) {
        return new ApiSettings(socket, tokenFile, tcp, access);
    }

    /**
     * Whether the TCP listener serves HTTPS. Plain HTTP only on loopback: a listener other machines can reach
     * serves HTTPS, so that passwords, tokens and cookies never cross a network in the clear.
     */
    public boolean usesTls() {
        if (tcp.isEmpty()) return false;
        if (access.tls()) return true;
        String host = tcp.get().host().replace("[", "").replace("]", "");
        if (host.equals("localhost")) return false;
        try {
            return !java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return true;
        }
    }

    /** The tokens made with {@code xm token-create}, stored hashed. */
    Path tokensFile() {
        return tokenFile.toAbsolutePath().resolveSibling("api-tokens.json");
    }

    /** The browsers' login sessions, kept across xend restarts (ids stored hashed). */
    Path sessionsFile() {
        return tokenFile.toAbsolutePath().resolveSibling("sessions.json");
    }

    /** The TCP listener's key and certificate (PKCS12), made self-signed on first need. */
    Path tlsDir() {
        return tokenFile.toAbsolutePath().resolveSibling("tls");
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

    /**
     * Who may use the API, from xend.conf.
     *
     * @param socketGroup  {@code unix_sock_group}: members may use the UNIX socket and are administrators, as
     *                     libvirt's setting of that name; empty: root only
     * @param allowedHosts {@code api_allowed_hosts}: names by which clients reach the TCP listener besides the
     *                     listen address, localhost, the loopback addresses and the host's own names
     * @param pamService   {@code api_pam_service}: the PAM service that checks logins ({@code /etc/pam.d/vmhost})
     * @param tls          {@code api_tls}: TLS on the TCP listener even on loopback (beyond loopback it always is)
     */
    public record Access(Optional<String> socketGroup, List<String> allowedHosts, String pamService, boolean tls) {
        public static final Access DEFAULT = new Access(Optional.empty(), List.of(), "vmhost", false);

        public Access {
            Objects.requireNonNull(socketGroup, "socketGroup");
            allowedHosts = List.copyOf(allowedHosts);
            Objects.requireNonNull(pamService, "pamService");
            socketGroup.ifPresent(g -> {
                if (!g.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*\\$?")) throw new IllegalArgumentException("invalid group name: " + g);
            });
        }
    }
}
