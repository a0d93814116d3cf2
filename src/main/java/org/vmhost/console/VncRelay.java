package org.vmhost.console;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * One domain's graphical console for local clients (the browser's, through xend's WebSocket). QEMU serves the
 * display over RFB on a UNIX socket in the domain's private run directory, asking for the VNC password when the
 * domain has one. The relay listens on a socket of its own (mode 0600) and, for each client, opens a connection
 * to QEMU, answers QEMU's security handshake itself (with the password, which therefore never leaves xend), and
 * offers the client RFB's security type None; from then on it copies bytes both ways unchanged.
 *
 * <p>Each client has its own connection to QEMU, so QEMU's VNC server sees every viewer (and shares the display
 * among them, as it does). A client that stops reading holds up only its own QEMU connection.
 */
public final class VncRelay implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(VncRelay.class.getName());
    private static final byte[] VERSION_38 = "RFB 003.008\n".getBytes(StandardCharsets.US_ASCII);
    /** RFB security types. */
    static final int SECURITY_NONE = 1;
    static final int SECURITY_VNC = 2;

    private final String domain;
    private final Path qemuSocket;
    private final Optional<String> password;
    private final Path clientSocket;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocketChannel server;
    private volatile boolean closed;

    /**
     * @param qemuSocket   QEMU's VNC socket
     * @param password     the domain's vncpasswd, answered to QEMU; empty when QEMU asks none
     * @param clientSocket where the relay listens, created owner-only
     */
    public VncRelay(String domain, Path qemuSocket, Optional<String> password, Path clientSocket) {
        this.domain = Objects.requireNonNull(domain, "domain");
        this.qemuSocket = Objects.requireNonNull(qemuSocket, "qemuSocket");
        this.password = Objects.requireNonNull(password, "password");
        this.clientSocket = Objects.requireNonNull(clientSocket, "clientSocket");
    }

    /** Listens on the client socket. */
    public void start() throws IOException {
        Files.deleteIfExists(clientSocket);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.bind(UnixDomainSocketAddress.of(clientSocket));
            Files.setPosixFilePermissions(clientSocket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            s.close();
            throw e;
        }
        server = s;
        Thread.ofVirtual().name("vnc-accept-" + domain).start(this::acceptClients);
    }

    /** The socket a client connects to: RFB, security type None. */
    public Path clientSocket() {
        return clientSocket;
    }

    /** Whether the relay still listens (its socket file may have gone with the run directory). */
    public boolean isListening() {
        return !closed && Files.exists(clientSocket);
    }

    private void acceptClients() {
        AcceptLoop.serveEach(server, () -> closed, "vnc-client-" + domain, this::serve);
    }

    private void serve(SocketChannel client) {
        SocketChannel qemu = null;
        open.add(client);
        try {
            write(client, VERSION_38);
            int minor = clientVersion(new String(readFully(client, 12), StandardCharsets.US_ASCII));
            try {
                qemu = SocketChannel.open(StandardProtocolFamily.UNIX);
                open.add(qemu);
                qemu.connect(UnixDomainSocketAddress.of(qemuSocket));
                authenticate(qemu);
            } catch (IOException | RfbException e) {
                refuse(client, minor, "xend cannot open the display of domain '" + domain + "': " + e.getMessage());
                return;
            }
            offerNone(client, minor);
            SocketChannel q = qemu;
            Thread up = Thread.ofVirtual().name("vnc-up-" + domain).start(() -> copy(client, q));
            copy(q, client);
            closeQuietly(client);
            closeQuietly(q);
            up.join();
        } catch (IOException | RfbException e) {
            LOG.log(Level.FINE, "VNC client of " + domain + " left", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(client);
            if (qemu != null) closeQuietly(qemu);
            open.remove(client);
            if (qemu != null) open.remove(qemu);
        }
    }

    /** The client's minor version: 3, 7 or 8 (RFB 3.3, 3.7, 3.8; anything later is answered as 3.8). */
    static int clientVersion(String version) throws RfbException {
        if (!version.matches("RFB \\d{3}\\.\\d{3}\n")) throw new RfbException("not an RFB client: " + printable(version));
        int major = Integer.parseInt(version.substring(4, 7));
        int minor = Integer.parseInt(version.substring(8, 11));
        if (major != 3 || minor < 3) throw new RfbException("unsupported RFB version " + printable(version.strip()));
        return minor >= 8 ? 8 : minor >= 7 ? 7 : 3;
    }

    /** Takes QEMU through RFB 3.8's security handshake, as a client: None if offered, else VNC authentication. */
    private void authenticate(SocketChannel qemu) throws IOException, RfbException {
        String version = new String(readFully(qemu, 12), StandardCharsets.US_ASCII);
        if (!version.startsWith("RFB 003.")) throw new RfbException("QEMU did not speak RFB: " + printable(version));
        write(qemu, VERSION_38);
        int count = readFully(qemu, 1)[0] & 0xff;
        if (count == 0) throw new RfbException(reason(qemu));
        byte[] types = readFully(qemu, count);
        boolean none = false;
        boolean vnc = false;
        for (byte t : types) {
            none |= t == SECURITY_NONE;
            vnc |= t == SECURITY_VNC;
        }
        if (none) {
            write(qemu, new byte[] {SECURITY_NONE});
        } else if (vnc) {
            if (password.isEmpty()) throw new RfbException("the display asks for a password and the domain has no vncpasswd");
            write(qemu, new byte[] {SECURITY_VNC});
            byte[] challenge = readFully(qemu, 16);
            write(qemu, vncResponse(password.get(), challenge));
        } else {
            throw new RfbException("the display offers no security type xend speaks (" + Arrays.toString(types) + ")");
        }
        int result = ByteBuffer.wrap(readFully(qemu, 4)).getInt();
        if (result != 0) throw new RfbException("the display refused xend: " + reason(qemu));
    }

    /** The answer to VNC authentication's challenge: DES with the password (8 bytes, each bit-reversed) as key. */
    static byte[] vncResponse(String password, byte[] challenge) {
        byte[] key = new byte[8];
        byte[] pw = password.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < 8 && i < pw.length; i++) key[i] = (byte) (Integer.reverse(pw[i] & 0xff) >>> 24);
        try {
            Cipher des = Cipher.getInstance("DES/ECB/NoPadding");
            des.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "DES"));
            return des.doFinal(challenge);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no DES, which VNC authentication needs", e);
        } finally {
            Arrays.fill(key, (byte) 0);
            Arrays.fill(pw, (byte) 0);
        }
    }

    /** Offers the client security type None, in its version's words. */
    private static void offerNone(SocketChannel client, int minor) throws IOException, RfbException {
        if (minor == 3) {
            write(client, ByteBuffer.allocate(4).putInt(SECURITY_NONE).array());
            return;
        }
        write(client, new byte[] {1, SECURITY_NONE});
        int chosen = readFully(client, 1)[0] & 0xff;
        if (chosen != SECURITY_NONE) throw new RfbException("the client chose security type " + chosen + ", not offered");
        if (minor == 8) write(client, new byte[4]); // SecurityResult OK
    }

    /** Tells the client why there is no display: RFB's failure with a reason, which viewers show. */
    private static void refuse(SocketChannel client, int minor, String why) {
        byte[] reason = why.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(minor == 3 ? 8 + reason.length : 5 + reason.length);
        if (minor == 3) b.putInt(0); else b.put((byte) 0);
        b.putInt(reason.length).put(reason);
        try {
            write(client, b.array());
        } catch (IOException e) {
            // the client left; nothing to tell
        }
        LOG.info(why);
    }

    private static String reason(SocketChannel ch) throws IOException, RfbException {
        int length = ByteBuffer.wrap(readFully(ch, 4)).getInt();
        if (length < 0 || length > 4096) throw new RfbException("an RFB failure reason of " + length + " bytes");
        return printable(new String(readFully(ch, length), StandardCharsets.UTF_8));
    }

    private static void copy(SocketChannel from, SocketChannel to) {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        try {
            while (from.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) to.write(buf);
                buf.clear();
            }
        } catch (IOException e) {
            // either side gone: the connection ends
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static byte[] readFully(SocketChannel ch, int n) throws IOException, RfbException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) throw new RfbException("the connection closed during the RFB handshake");
        }
        return b.array();
    }

    private static void write(SocketChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) ch.write(b);
    }

    private static String printable(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 100 ? p.substring(0, 100) + "..." : p;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // already gone
        }
    }

    /** Stops listening, ends every client's connection and removes the client socket. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (server != null) closeQuietly(server);
        open.forEach(VncRelay::closeQuietly);
        try {
            Files.deleteIfExists(clientSocket);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot remove " + clientSocket, e);
        }
    }

    /** An RFB handshake that went wrong; its message says how. */
    static final class RfbException extends Exception {
        RfbException(String message) {
            super(message, null, false, false);
        }
    }
}
