package org.vmhost.relocation;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.json.JsonBinding;
import org.vmhost.json.JsonValue;

/**
 * xend's relocation server (port 8002, off unless {@code relocation_server = 1}): takes domains in from other
 * xends. Every connection is TLS; a peer whose address matches none of {@code relocation_hosts_allow} is cut
 * off before the handshake, and a first message without an administrator's token of this xend is refused. So
 * nobody reaches a QEMU through it without the credentials the API itself asks for.
 *
 * <p>Messages ({@code op}): {@code migrate} (an {@link Offer}; the destination checks it and starts the domain
 * waiting for its state, then the same connection carries {@code finish} or ends, which aborts), {@code stream}
 * (raw bytes to a session's migration or NBD socket) and {@code query} (does a domain run here).
 */
public final class RelocationServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RelocationServer.class.getName());

    /** The destination's work, done by the domain service. */
    public interface Handler {
        /** Checks an offer and starts the domain waiting for its state; refuses with a VmhostException saying why. */
        Incoming prepare(Offer offer);

        /** The UNIX socket a session's channel ({@code migration}, {@code nbd}) connects to. */
        Path stream(String session, String channel);

        /** Whether a domain of this UUID runs here. */
        boolean runs(String uuid);
    }

    /** A domain being taken in. */
    public interface Incoming {
        String session();

        /** The disks (by vdev) the source must copy: those the destination does not share. */
        List<String> copies();

        /** The state has arrived: resume the guest if {@code resume}, keep the definition; it runs here from now on. */
        void finish(boolean resume);

        /** The source gave up or went away: end the domain here and remove what was made for it. */
        void abort();
    }

    private final String address;
    private final int port;
    private final List<Pattern> hostsAllow;
    private final SSLContext ssl;
    private final Predicate<String> adminToken;
    private final Handler handler;
    private volatile SSLServerSocket listener;

    /**
     * @param hostsAllow regular expressions; a peer must match one with its address or its name. Empty: any peer
     *                   (each still needs a token)
     * @param adminToken whether a bearer token is one of this xend's administrator tokens
     */
    public RelocationServer(String address, int port, List<Pattern> hostsAllow, SSLContext ssl, Predicate<String> adminToken,
                            Handler handler) {
        this.address = Objects.requireNonNull(address);
        this.port = port;
        this.hostsAllow = List.copyOf(hostsAllow);
        this.ssl = Objects.requireNonNull(ssl);
        this.adminToken = Objects.requireNonNull(adminToken);
        this.handler = Objects.requireNonNull(handler);
    }

    public void start() {
        try {
            SSLServerSocket s = (SSLServerSocket) ssl.getServerSocketFactory().createServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(address), port));
            listener = s;
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "the relocation server cannot listen on " + address + ":" + port + ": " + e.getMessage(), e);
        }
        Thread.ofVirtual().name("relocation").start(this::acceptLoop);
    }

    public int port() {
        return listener.getLocalPort();
    }

    @Override
    public void close() {
        Wire.closeAll(listener);
    }

    private void acceptLoop() {
        ServerSocket s = listener;
        while (!s.isClosed()) {
            try {
                Socket c = s.accept();
                Thread.ofVirtual().name("relocation-peer").start(() -> serve((SSLSocket) c));
            } catch (IOException e) {
                if (!s.isClosed()) LOG.log(Level.WARNING, "relocation server: accept failed", e);
            }
        }
    }

    private boolean allowed(InetAddress peer) {
        if (hostsAllow.isEmpty()) return true;
        for (Pattern p : hostsAllow)
            if (p.matcher(peer.getHostAddress()).matches() || p.matcher(peer.getCanonicalHostName()).matches()) return true;
        return false;
    }

    private void serve(SSLSocket c) {
        InetAddress peer = c.getInetAddress();
        try (c) {
            if (!allowed(peer)) {
                LOG.warning("relocation: refused " + peer.getHostAddress() + ": not in relocation_hosts_allow");
                return; // cut off before the handshake: a refused host learns nothing
            }
            c.setSoTimeout(60_000);
            c.startHandshake();
            InputStream in = c.getInputStream();
            OutputStream out = c.getOutputStream();
            JsonValue first = Wire.read(in);
            if (first == null) return;
            String token = first.path("token").asText("");
            if (token.isEmpty() || !adminToken.test(token)) {
                LOG.warning("relocation: refused " + peer.getHostAddress() + ": no administrator's token");
                Wire.write(out, Wire.error(new VmhostException(ErrorCode.UNAUTHENTICATED,
                        "relocation needs an administrator's token of the destination xend (xm token-create)")));
                return;
            }
            switch (first.path("op").asText()) {
                case "migrate" -> migrate(c, in, out, first);
                case "stream" -> stream(c, in, out, first);
                case "query" -> Wire.write(out, Wire.ok().put("runs", handler.runs(first.path("uuid").asText())));
                default -> Wire.write(out, Wire.error(new VmhostException(ErrorCode.BAD_REQUEST, "unknown relocation operation")));
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.INFO, "relocation connection from " + peer.getHostAddress() + " ended: " + e);
        }
    }

    private void migrate(SSLSocket c, InputStream in, OutputStream out, JsonValue first) throws IOException {
        Offer offer;
        try {
            offer = JsonBinding.read(first.path("offer"), Offer.class, JsonBinding.Strictness.STRICT);
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            Wire.write(out, Wire.error(new VmhostException(ErrorCode.BAD_REQUEST, "malformed offer: " + e.getMessage())));
            return;
        }
        Incoming incoming;
        try {
            incoming = handler.prepare(offer);
        } catch (VmhostException e) {
            Wire.write(out, Wire.error(e));
            return;
        }
        boolean finished = false;
        try {
            var reply = Wire.ok().put("session", incoming.session());
            incoming.copies().forEach(reply.putArray("copy")::add);
            Wire.write(out, reply);
            c.setSoTimeout(0); // the source copies memory meanwhile, as long as that takes
            JsonValue next = Wire.read(in);
            if (next != null && next.path("op").asText().equals("finish")) {
                try {
                    incoming.finish(next.path("resume").asBoolean(true));
                    finished = true;
                } catch (VmhostException e) {
                    Wire.write(out, Wire.error(e));
                    return;
                }
                // From here the domain runs here, whether or not the source hears it (it can ask: query).
                Wire.write(out, Wire.ok());
            }
        } finally {
            if (!finished) incoming.abort();
        }
    }

    private void stream(SSLSocket c, InputStream in, OutputStream out, JsonValue first) throws IOException {
        Path socket;
        try {
            socket = handler.stream(first.path("session").asText(), first.path("channel").asText());
        } catch (VmhostException e) {
            Wire.write(out, Wire.error(e));
            return;
        }
        SocketChannel local = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            local.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            local.close();
            Wire.write(out, Wire.error(new VmhostException(ErrorCode.QEMU_FAILED, "QEMU does not answer on " + socket.getFileName())));
            return;
        }
        Wire.write(out, Wire.ok());
        c.setSoTimeout(0);
        Wire.pipe(c, in, out, local);
    }
}
