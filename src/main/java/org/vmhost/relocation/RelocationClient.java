package org.vmhost.relocation;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.json.JsonBinding;
import org.vmhost.json.JsonObject;
import org.vmhost.json.JsonValue;

/**
 * A source xend's connection to another xend's relocation server. The destination is trusted only if its
 * certificate's SHA-256 fingerprint is the one given (its xend writes it to {@code tls/xend.p12.sha256} and its
 * log), so a self-signed certificate is as safe as a CA's and nobody in between can read or change the guest's
 * memory on its way.
 */
public final class RelocationClient {
    private static final int CONNECT_TIMEOUT_MS = 10_000;

    private final String host;
    private final int port;
    private final String token;
    private final String fingerprint;

    /** @param fingerprint the destination certificate's SHA-256, hex, with or without colons */
    public RelocationClient(String host, int port, String token, String fingerprint) {
        this.host = Objects.requireNonNull(host);
        this.port = port;
        this.token = Objects.requireNonNull(token);
        this.fingerprint = normalise(fingerprint);
        if (!this.fingerprint.matches("[0-9a-f]{64}"))
            throw new VmhostException(ErrorCode.BAD_REQUEST, "a certificate fingerprint is 64 hex digits (SHA-256), not '" + fingerprint + "'");
    }

    public String host() {
        return host;
    }

    public static String normalise(String fingerprint) {
        return fingerprint == null ? "" : fingerprint.replace(":", "").strip().toLowerCase(Locale.ROOT);
    }

    /** The SHA-256 fingerprint of a certificate, lower-case hex with colons. */
    public static String fingerprint(X509Certificate cert) {
        try {
            return HexFormat.ofDelimiter(":").formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Offers a domain; the destination's checks refuse it here, before anything stops. */
    public Migration offer(Offer offer) {
        Connection c = connect();
        try {
            JsonObject m = request("migrate");
            m.set("offer", JsonBinding.toTree(offer));
            JsonValue reply = c.call(m);
            java.util.List<String> copies = new java.util.ArrayList<>();
            reply.path("copy").forEach(v -> copies.add(v.asText()));
            return new Migration(c, reply.path("session").asText(), copies);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Whether the domain runs on the destination: asked when the answer to finish was lost. */
    public boolean runs(String uuid) {
        try (Connection c = connect()) {
            return c.call(request("query").put("uuid", uuid)).path("runs").asBoolean(false);
        }
    }

    /** Pipes a local UNIX connection (from QEMU) to a session's channel on the destination, until either ends. */
    public void stream(String session, String channel, SocketChannel local) {
        Connection c = connect();
        try {
            c.call(request("stream").put("session", session).put("channel", channel));
            c.socket.setSoTimeout(0);
            Wire.pipe(c.socket, c.in, c.out, local);
        } catch (IOException | RuntimeException e) {
            Wire.closeAll(c.socket, local);
            if (e instanceof RuntimeException r) throw r;
        }
    }

    private JsonObject request(String op) {
        return new JsonObject().put("token", token).put("op", op);
    }

    private Connection connect() {
        SSLSocket s = null;
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new Pinned()}, null);
            Socket raw = new Socket();
            raw.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
            s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, host, port, true);
            s.setSoTimeout(120_000);
            s.startHandshake();
            return new Connection(s, s.getInputStream(), s.getOutputStream());
        } catch (javax.net.ssl.SSLException e) {
            Wire.closeAll(s);
            String why = e.getMessage() != null && e.getMessage().contains("fingerprint") ? e.getMessage()
                    : "TLS failed (" + e.getMessage() + "); is it a vmhost relocation server, and does it allow this host (relocation_hosts_allow)?";
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot migrate to " + host + ":" + port + ": " + why, e);
        } catch (IOException | GeneralSecurityException e) {
            Wire.closeAll(s);
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot reach the relocation server on " + host + ":" + port + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
    }

    /** One TLS connection and its first exchange. */
    final class Connection implements AutoCloseable {
        final SSLSocket socket;
        final InputStream in;
        final OutputStream out;

        Connection(SSLSocket socket, InputStream in, OutputStream out) {
            this.socket = socket;
            this.in = in;
            this.out = out;
        }

        JsonValue call(JsonValue message) {
            try {
                Wire.write(out, message);
                return Wire.requireOk(Wire.read(in), host);
            } catch (IOException e) {
                throw new VmhostException(ErrorCode.HOST_FAILED, "the relocation connection to " + host + " failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            Wire.closeAll(socket);
        }
    }

    /** An accepted offer: the destination waits for the state, then {@link #finish}; closing it unfinished aborts. */
    public final class Migration implements AutoCloseable {
        private final Connection control;
        private final String session;
        private final java.util.List<String> copies;

        Migration(Connection control, String session, java.util.List<String> copies) {
            this.control = control;
            this.session = session;
            this.copies = java.util.List.copyOf(copies);
        }

        /** The disks (by vdev) to copy, as the destination decided. */
        public java.util.List<String> copies() {
            return copies;
        }

        public String session() {
            return session;
        }

        /** Tells the destination the state is all there; it resumes the guest (if {@code resume}) and keeps it. */
        public void finish(boolean resume) {
            try {
                control.socket.setSoTimeout(120_000);
            } catch (IOException e) {
                // the call below reports it
            }
            JsonObject m = new JsonObject().put("op", "finish").put("resume", resume);
            control.call(m);
        }

        @Override
        public void close() {
            control.close();
        }
    }

    /** Trusts exactly one certificate: the one whose fingerprint the administrator gave. */
    private final class Pinned implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("no client certificates");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (chain == null || chain.length == 0) throw new CertificateException("no certificate");
            String got = normalise(fingerprint(chain[0]));
            if (!MessageDigest.isEqual(got.getBytes(), fingerprint.getBytes()))
                throw new CertificateException("the certificate's fingerprint is " + fingerprint(chain[0])
                        + ", not the one given: this is not the host you meant, or its key changed");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
