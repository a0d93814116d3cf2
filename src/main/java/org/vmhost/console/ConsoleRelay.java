package org.vmhost.console;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One domain's serial console, shared. QEMU serves the console on a socket that takes a single client;
 * the relay is that client, copies what the guest writes to every subscriber and what any subscriber
 * types to the guest. QEMU itself keeps the full output in a log file, so a subscriber that attaches
 * late (or after an xend restart) first gets the tail of that file.
 *
 * <p>Clients reach the relay in-process ({@link #subscribe}) or through a UNIX socket of its own
 * (mode 0600), which is what {@code xm console} connects to: a plain byte stream both ways.
 */
public final class ConsoleRelay implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ConsoleRelay.class.getName());
    /** How much history a new subscriber gets: enough for a boot log and a screen of shell. */
    static final int HISTORY_BYTES = 64 * 1024;

    private final String domain;
    private final Path qemuSocket;
    private final Path logFile;
    private final Path clientSocket;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private volatile SocketChannel qemu;
    private volatile ServerSocketChannel server;
    private volatile boolean closed;

    /** A live subscription: output arrives through the consumer given to {@link #subscribe}. */
    public interface Subscription extends AutoCloseable {
        /** Sends keystrokes to the guest. */
        void write(byte[] input) throws IOException;

        @Override
        void close();
    }

    private record Subscriber(Consumer<byte[]> sink, Runnable onEnd) {}

    public ConsoleRelay(String domain, Path qemuSocket, Path logFile, Path clientSocket) {
        this.domain = Objects.requireNonNull(domain);
        this.qemuSocket = Objects.requireNonNull(qemuSocket);
        this.logFile = Objects.requireNonNull(logFile);
        this.clientSocket = Objects.requireNonNull(clientSocket);
    }

    /**
     * Connects to QEMU's console socket (waiting up to {@code timeout} for QEMU to create it) and opens the
     * client socket.
     */
    public void start(Duration timeout) throws IOException {
        qemu = connectWithin(qemuSocket, timeout);
        Files.deleteIfExists(clientSocket);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(clientSocket));
        Files.setPosixFilePermissions(clientSocket, PosixFilePermissions.fromString("rw-------"));
        server = s;
        Thread.ofVirtual().name("console-out-" + domain).start(this::pumpOutput);
        Thread.ofVirtual().name("console-accept-" + domain).start(this::acceptClients);
    }

    /** The socket {@code xm console} connects to. */
    public Path clientSocket() {
        return clientSocket;
    }

    /**
     * Subscribes to the console: {@code sink} first receives the recent history, then live output, in
     * order; {@code onEnd} runs once when the console closes (the guest stopped).
     */
    public Subscription subscribe(Consumer<byte[]> sink, Runnable onEnd) {
        Subscriber sub = new Subscriber(sink, onEnd);
        synchronized (lock) {
            // Under the lock that the output pump also takes: nothing is delivered live until the history
            // has been handed over, so the subscriber sees the stream in order.
            byte[] history = history();
            if (history.length > 0) sink.accept(history);
            if (closed) {
                onEnd.run();
            } else {
                subscribers.add(sub);
            }
        }
        return new Subscription() {
            @Override
            public void write(byte[] input) throws IOException {
                SocketChannel q = qemu;
                if (q == null || closed) throw new ClosedChannelException();
                synchronized (q) {
                    ByteBuffer buf = ByteBuffer.wrap(input);
                    while (buf.hasRemaining()) q.write(buf);
                }
            }

            @Override
            public void close() {
                subscribers.remove(sub);
            }
        };
    }

    /** The last {@value #HISTORY_BYTES} bytes of the console log. */
    byte[] history() {
        try (RandomAccessFile f = new RandomAccessFile(logFile.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(0, len - HISTORY_BYTES);
            byte[] buf = new byte[(int) (len - from)];
            f.seek(from);
            f.readFully(buf);
            return buf;
        } catch (java.io.FileNotFoundException e) {
            return new byte[0];
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read console log " + logFile, e);
        }
    }

    private void pumpOutput() {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        try {
            while (!closed) {
                buf.clear();
                int n = qemu.read(buf);
                if (n < 0) break;
                byte[] chunk = Arrays.copyOf(buf.array(), n);
                synchronized (lock) {
                    for (Subscriber s : subscribers) deliver(s, chunk);
                }
            }
        } catch (IOException e) {
            if (!closed) LOG.log(Level.FINE, "console of " + domain + " ended", e);
        } finally {
            close();
        }
    }

    private void deliver(Subscriber s, byte[] chunk) {
        try {
            s.sink().accept(chunk);
        } catch (RuntimeException e) {
            // A subscriber that cannot take output (a gone client) is dropped, never the console.
            subscribers.remove(s);
            s.onEnd().run();
        }
    }

    private void acceptClients() {
        while (!closed) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread.ofVirtual().name("console-client-" + domain).start(() -> serveClient(client));
        }
    }

    private void serveClient(SocketChannel client) {
        Subscription sub = subscribe(bytes -> {
            try {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                synchronized (client) {
                    while (b.hasRemaining()) client.write(b);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, () -> closeQuietly(client));
        try (client; sub) {
            ByteBuffer in = ByteBuffer.allocate(1024);
            while (client.read(in) >= 0) {
                in.flip();
                byte[] bytes = new byte[in.remaining()];
                in.get(bytes);
                in.clear();
                sub.write(bytes);
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "console client of " + domain + " left", e);
        }
    }

    private static SocketChannel connectWithin(Path socket, Duration timeout) throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                return ch;
            } catch (IOException e) {
                ch.close();
                if (Instant.now().isAfter(deadline)) {
                    throw new IOException("cannot connect to console socket " + socket + ": " + e.getMessage(), e);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while connecting to " + socket, ie);
                }
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing a socket that is already gone
        }
    }

    /** Ends the relay: subscribers are told, both sockets closed, the client socket removed. */
    @Override
    public void close() {
        List<Subscriber> ended;
        synchronized (lock) {
            if (closed) return;
            closed = true;
            ended = List.copyOf(subscribers);
            subscribers.clear();
        }
        if (qemu != null) closeQuietly(qemu);
        if (server != null) closeQuietly(server);
        try {
            Files.deleteIfExists(clientSocket);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot remove " + clientSocket, e);
        }
        ended.forEach(s -> s.onEnd().run());
    }
}
