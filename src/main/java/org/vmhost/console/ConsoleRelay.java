package org.vmhost.console;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One domain's serial console, shared. QEMU serves the console on a socket that takes a single client and keeps
 * everything the guest writes in a log file, whether a client is connected or not; the relay keeps that log below
 * its limit ({@link ConsoleLog}) and is QEMU's client only while someone watches: the first subscriber connects it,
 * the last one to leave disconnects it. A connected console costs the guest: QEMU's serial port sends each byte on
 * its own, and the relay wakes for each (a pv boot took 2 to 3 % longer with a reader on the socket). Unwatched,
 * QEMU only appends to the log.
 *
 * <p>A subscriber first gets the recent history, then live output. The first one's history is the log up to where
 * the socket's stream begins ({@link #attach}); later ones get what the relay has kept in memory since, exactly up
 * to what they then get live.
 *
 * <p>Clients reach the relay in-process ({@link #subscribe}) or through a UNIX socket of its own
 * (mode 0600), which is what {@code xm console} connects to: a plain byte stream both ways.
 *
 * <p>The guest is never held up by a client: the output pump only hands each chunk to every subscriber's
 * queue, without blocking, and a thread per subscriber delivers it. A subscriber more than
 * {@link #CLIENT_BUFFER_BYTES} behind that has taken nothing for {@link #STALL} (a client that stopped reading)
 * is dropped, its connection closed; one that still reads but lags (a burst faster than its link) is kept up to
 * {@link #MAX_BEHIND_BYTES}, so a busy host does not cut off an administrator's console.
 */
public final class ConsoleRelay implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ConsoleRelay.class.getName());
    /** How much history a new subscriber gets: enough for a boot log and a screen of shell. */
    static final int HISTORY_BYTES = 64 * 1024;
    /** How far a subscriber may fall behind the guest before it is dropped. */
    static final int CLIENT_BUFFER_BYTES = 1024 * 1024;
    /** How long a subscriber past {@link #CLIENT_BUFFER_BYTES} may take nothing before it counts as stopped. */
    static final Duration STALL = Duration.ofSeconds(2);
    /** How far even a subscriber that still reads may fall behind: the bound on its queue's memory. */
    static final int MAX_BEHIND_BYTES = 32 * 1024 * 1024;
    /** Marks the end of a subscriber's queue: the console closed. */
    private static final byte[] END = new byte[0];

    /** How often the log's size is looked at: QEMU appends to it whether or not the relay is connected. */
    static final Duration ROTATION_CHECK = Duration.ofSeconds(1);
    /** How long the first subscriber's {@link #attach} waits for QEMU to take its connection, at most. */
    static final Duration ACCEPT_WAIT = Duration.ofSeconds(2);

    /** How long a write QEMU had begun as it took the connection is given to reach the log. */
    private static final Duration SETTLE = Duration.ofMillis(2);

    /** Whether QEMU has taken the relay's connection to its console socket (QMP {@code query-chardev} knows). */
    @FunctionalInterface
    public interface Accepted {
        boolean accepted() throws IOException, InterruptedException;
    }

    private final String domain;
    private final Path qemuSocket;
    private final ConsoleLog log;
    private final Path clientSocket;
    private final Accepted accepted;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    // Held only for quick work: handing a chunk to the queues, reading the history, rotating the log, connecting to
    // QEMU's socket and disconnecting. Never across a write to a client.
    private final ReentrantLock lock = new ReentrantLock();
    private final ReentrantLock inputLock = new ReentrantLock();
    /**
     * The connection to QEMU's console socket while any subscription is open, else null; written under {@code lock}.
     * A subscriber dropped for not reading keeps it until its subscription closes: what its client typed before it
     * went still reaches the guest.
     */
    private volatile SocketChannel qemu;
    /** Subscriptions not yet closed that were made while the relay was connected; under {@code lock}. */
    private int open;
    private volatile ServerSocketChannel server;
    private volatile boolean closed;
    /** The last {@link #HISTORY_BYTES} of the console while connected, a ring written at {@code recentEnd}; under {@code lock}. */
    private final byte[] recent = new byte[HISTORY_BYTES];
    private int recentEnd;
    private boolean recentFull;

    /** A live subscription: output arrives through the consumer given to {@link #subscribe}. */
    public interface Subscription extends AutoCloseable {
        /** Sends keystrokes to the guest. */
        void write(byte[] input) throws IOException;

        @Override
        void close();
    }

    /** One subscriber: a bounded queue and the thread that empties it into the sink. */
    private final class Subscriber {
        final Consumer<byte[]> sink;
        final Runnable onEnd;
        final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
        final AtomicLong queued = new AtomicLong();
        volatile boolean dropped;
        /** When the sink last took a chunk (or the subscriber came). */
        volatile long lastProgress = System.nanoTime();
        Thread worker;

        Subscriber(Consumer<byte[]> sink, Runnable onEnd) {
            this.sink = sink;
            this.onEnd = onEnd;
        }

        /** Queues a chunk; false if the subscriber has stopped reading, or lags beyond any bound. */
        boolean offer(byte[] chunk) {
            long behind = queued.addAndGet(chunk.length);
            if (behind > MAX_BEHIND_BYTES || stalled()) return false;
            queue.add(chunk);
            return true;
        }

        /** More than its buffer behind, and nothing taken for {@link #STALL}. */
        boolean stalled() {
            return queued.get() > CLIENT_BUFFER_BYTES && System.nanoTime() - lastProgress > STALL.toNanos();
        }

        /** Drops the subscriber once it stops reading, even when the guest says nothing more to notice it by. */
        void watch() {
            try {
                while (!dropped && !closed) {
                    Thread.sleep(STALL.toMillis() / 4);
                    if (stalled() && subscribers.remove(this)) {
                        drop();
                        LOG.info("console client of " + domain + " dropped: it stopped reading "
                                + CLIENT_BUFFER_BYTES + " bytes behind the guest");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void end() {
            queue.add(END);
        }

        /** Drops a subscriber that cannot keep up: its delivery stops (a blocked socket write is interrupted). */
        void drop() {
            dropped = true;
            queue.clear();
            queue.add(END);
            worker.interrupt();
        }

        void deliver() {
            try {
                while (!dropped) {
                    byte[] chunk = queue.take();
                    if (chunk == END) break;
                    sink.accept(chunk);
                    queued.addAndGet(-chunk.length);
                    lastProgress = System.nanoTime();
                }
            } catch (InterruptedException | RuntimeException e) {
                // dropped, or a sink that failed (a client gone): either way it gets no more output
                subscribers.remove(this);
            } finally {
                onEnd.run();
            }
        }
    }

    public ConsoleRelay(String domain, Path qemuSocket, ConsoleLog log, Path clientSocket, Accepted accepted) {
        this.domain = Objects.requireNonNull(domain);
        this.qemuSocket = Objects.requireNonNull(qemuSocket);
        this.log = Objects.requireNonNull(log);
        this.clientSocket = Objects.requireNonNull(clientSocket);
        this.accepted = Objects.requireNonNull(accepted);
    }

    /**
     * Opens the client socket and starts keeping the log below its limit. Nothing connects to QEMU's socket until
     * the first subscriber comes. A log that grew past its limit while no relay watched it is rotated first.
     */
    public void start() throws IOException {
        rotateLog();
        Files.deleteIfExists(clientSocket);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(clientSocket));
        Files.setPosixFilePermissions(clientSocket, PosixFilePermissions.fromString("rw-------"));
        server = s;
        Thread.ofVirtual().name("console-accept-" + domain).start(this::acceptClients);
        Thread.ofVirtual().name("console-log-" + domain).start(this::keepLogBounded);
    }

    /** The socket {@code xm console} connects to. */
    public Path clientSocket() {
        return clientSocket;
    }

    /**
     * Subscribes to the console: {@code sink} first receives the recent history, then live output, in
     * order, on a thread of its own; {@code onEnd} runs once on that thread when the console closes (the
     * guest stopped, or QEMU's console cannot be reached) or when the subscriber is dropped for falling
     * {@value #CLIENT_BUFFER_BYTES} bytes behind.
     */
    public Subscription subscribe(Consumer<byte[]> sink, Runnable onEnd) {
        Subscriber sub = new Subscriber(sink, onEnd);
        boolean live;
        lock.lock();
        try {
            // Under the lock that the output pump also takes: nothing is queued live until the history
            // has been, so the subscriber sees the stream in order.
            live = !closed;
            byte[] history;
            if (live && qemu == null) {
                try {
                    history = attach();
                } catch (IOException e) {
                    LOG.warning("cannot connect to the serial console of " + domain + ": " + e.getMessage());
                    history = log.tail(HISTORY_BYTES);
                    live = false;
                }
            } else {
                history = history();
            }
            if (history.length > 0) sub.offer(history);
            if (live) {
                subscribers.add(sub);
                open++;
            } else {
                sub.end();
            }
            sub.worker = Thread.ofVirtual().name("console-client-out-" + domain).start(sub::deliver);
            Thread.ofVirtual().name("console-client-watch-" + domain).start(sub::watch);
        } finally {
            lock.unlock();
        }
        boolean held = live;
        return new Subscription() {
            private final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();

            @Override
            public void write(byte[] input) throws IOException {
                SocketChannel q = qemu;
                if (q == null || closed) throw new ClosedChannelException();
                inputLock.lock();
                try {
                    ByteBuffer buf = ByteBuffer.wrap(input);
                    while (buf.hasRemaining()) q.write(buf);
                } finally {
                    inputLock.unlock();
                }
            }

            @Override
            public void close() {
                if (!ended.compareAndSet(false, true)) return;
                if (subscribers.remove(sub)) sub.end();
                if (held) release();
            }
        };
    }

    /** Whether anyone watches: the relay is then QEMU's client. */
    boolean connected() {
        return qemu != null;
    }

    /**
     * Connects to QEMU's console socket and returns the history up to where the socket's stream begins, that
     * stream's first bytes included. QEMU appends to the log what it sends on the socket, right after sending
     * it, so once QEMU has taken the connection the log is the history followed by the stream, whose first bytes
     * may already be in it: the longest start of what the socket has delivered that the log ends with, but no
     * longer than what the log grew by since just before the connect. A guest quiet as someone attaches (the
     * usual case) makes the seam exact; a busy one is matched by content. Under {@code lock}.
     */
    private byte[] attach() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            // A connection the relay closed a moment ago may not be gone from QEMU yet: wait until it is, or
            // QEMU's word that the next one has been taken would be about the old one.
            awaitAccepted(false);
            long before = log.size();
            ch.connect(UnixDomainSocketAddress.of(qemuSocket));
            // QEMU takes the connection in its main loop, a moment after the connect returns; until then the guest's
            // output goes to the log alone. Measured from there, nothing falls between the history and the stream.
            awaitAccepted(true);
            // A write QEMU began before it took the connection goes to the log alone: let it land first.
            Thread.sleep(SETTLE);
            ch.configureBlocking(false);
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            drain(ch, stream);
            long end = log.size();
            drain(ch, stream);
            byte[] live = stream.toByteArray();
            byte[] logged = log.tail(HISTORY_BYTES + live.length, end);
            int both = overlap(logged, live, (int) Math.min(live.length, Math.max(0, end - before)));
            ch.configureBlocking(true);
            recentEnd = 0;
            recentFull = false;
            remember(Arrays.copyOfRange(logged, Math.max(0, logged.length - both - HISTORY_BYTES), logged.length - both));
            remember(live);
            qemu = ch;
            Thread.ofVirtual().name("console-out-" + domain).start(() -> pumpOutput(ch));
            return history();
        } catch (InterruptedException e) {
            closeQuietly(ch);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + qemuSocket, e);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** Waits until QEMU says its console has a client, or has none. */
    private void awaitAccepted(boolean taken) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + ACCEPT_WAIT.toNanos();
        while (accepted.accepted() != taken) {
            if (System.nanoTime() > deadline) {
                throw new IOException("QEMU's console " + qemuSocket + (taken ? " did not take the relay's connection"
                        : " still has a client") + " after " + ACCEPT_WAIT.toMillis() + " ms");
            }
            Thread.sleep(1);
        }
    }

    /** Reads what a non-blocking channel holds now into {@code out}; the count read. */
    private static int drain(SocketChannel ch, ByteArrayOutputStream out) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        int total = 0;
        int n;
        while ((n = ch.read(buf)) > 0) {
            out.write(buf.array(), 0, n);
            total += n;
            buf.clear();
        }
        if (n < 0) throw new IOException("QEMU closed its console socket");
        return total;
    }

    /** The length of the longest start of {@code stream}, at most {@code max}, that {@code log} ends with. */
    static int overlap(byte[] log, byte[] stream, int max) {
        for (int n = Math.min(max, Math.min(log.length, stream.length)); n > 0; n--) {
            if (Arrays.equals(log, log.length - n, log.length, stream, 0, n)) return n;
        }
        return 0;
    }

    /** A subscription has closed; the last one open disconnects the relay from QEMU. */
    private void release() {
        lock.lock();
        try {
            if (--open > 0) return;
            SocketChannel ch = qemu;
            qemu = null; // the pump sees it and ends; what QEMU writes from now on goes to the log alone
            if (ch != null) closeQuietly(ch);
        } finally {
            lock.unlock();
        }
    }

    /** The last {@value #HISTORY_BYTES} bytes of the console, exactly up to what subscribers got live. */
    byte[] history() {
        lock.lock();
        try {
            if (!recentFull) return Arrays.copyOf(recent, recentEnd);
            byte[] all = new byte[HISTORY_BYTES];
            System.arraycopy(recent, recentEnd, all, 0, HISTORY_BYTES - recentEnd);
            System.arraycopy(recent, 0, all, HISTORY_BYTES - recentEnd, recentEnd);
            return all;
        } finally {
            lock.unlock();
        }
    }

    /** Adds output to the history ring. Under {@code lock}. */
    private void remember(byte[] chunk) {
        int from = Math.max(0, chunk.length - HISTORY_BYTES);
        int n = chunk.length - from;
        int first = Math.min(n, HISTORY_BYTES - recentEnd);
        System.arraycopy(chunk, from, recent, recentEnd, first);
        System.arraycopy(chunk, from + first, recent, 0, n - first);
        if (recentEnd + n >= HISTORY_BYTES) recentFull = true;
        recentEnd = (recentEnd + n) % HISTORY_BYTES;
    }

    /** Copies one connection's output to the subscribers until the relay disconnects it or QEMU closes it. */
    private void pumpOutput(SocketChannel ch) {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        long sinceRotationCheck = 0;
        try {
            while (true) {
                buf.clear();
                int n = ch.read(buf);
                if (n < 0) break;
                byte[] chunk = Arrays.copyOf(buf.array(), n);
                lock.lock();
                try {
                    if (qemu != ch) return; // disconnected meanwhile, the last subscriber gone
                    remember(chunk);
                    for (Subscriber s : subscribers) {
                        if (!s.offer(chunk)) {
                            subscribers.remove(s);
                            s.drop();
                            LOG.info("console client of " + domain + " dropped: it stopped reading, or fell more than "
                                    + MAX_BEHIND_BYTES + " bytes behind the guest");
                        }
                    }
                    // QEMU appends what we just read to the log: a guest that prints fast is not left a second to
                    // fill it, look at its size every sixteenth of the limit.
                    sinceRotationCheck += n;
                    if (sinceRotationCheck >= log.limit() / 16) {
                        sinceRotationCheck = 0;
                        rotateLog();
                    }
                } finally {
                    lock.unlock();
                }
            }
        } catch (IOException e) {
            if (qemu != ch) return; // disconnected by the relay
            if (!closed) LOG.log(Level.FINE, "console of " + domain + " ended", e);
        }
        if (qemu == ch) close(); // QEMU closed its side: it has ended
    }

    /** Rotates the log when it is full, every {@link #ROTATION_CHECK}: QEMU writes it whether anyone watches or not. */
    private void keepLogBounded() {
        try {
            while (!closed) {
                Thread.sleep(ROTATION_CHECK);
                lock.lock();
                try {
                    if (!closed) rotateLog();
                } finally {
                    lock.unlock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void rotateLog() {
        try {
            if (log.rotateIfFull()) LOG.fine("console log of " + domain + " rotated");
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot rotate the console log " + log.file() + " of " + domain, e);
        }
    }

    private void acceptClients() {
        AcceptLoop.serveEach(server, () -> closed, "console-client-" + domain, this::serveClient);
    }

    private void serveClient(SocketChannel client) {
        // Output is written by the subscriber's own thread only; a client that stops reading blocks that
        // thread alone, until it is dropped (the interrupt closes the channel).
        Subscription sub = subscribe(bytes -> {
            try {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) client.write(b);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, () -> endOutput(client));
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

    /**
     * A client's output has ended: the console closed (the client is closed, which ends its reader below), or it
     * was dropped or has gone (its output side is shut, and what it sent before it went is still read and reaches
     * the guest: {@code printf 'reboot\n\035' | xm console} may leave while its history is being written).
     */
    private void endOutput(SocketChannel client) {
        if (closed) {
            closeQuietly(client);
            return;
        }
        try {
            client.shutdownOutput();
        } catch (IOException e) {
            // closed already: by the interrupt that dropped it
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing a socket that is already gone
        }
    }

    /** Ends the relay: subscribers get what is queued for them and are told, both sockets closed, the client socket removed. */
    @Override
    public void close() {
        List<Subscriber> ended;
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            ended = List.copyOf(subscribers);
            subscribers.clear();
        } finally {
            lock.unlock();
        }
        if (qemu != null) closeQuietly(qemu);
        if (server != null) closeQuietly(server);
        try {
            Files.deleteIfExists(clientSocket);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot remove " + clientSocket, e);
        }
        ended.forEach(Subscriber::end);
    }
}
