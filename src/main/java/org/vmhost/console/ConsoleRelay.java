package org.vmhost.console;

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
import java.time.Instant;
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
 * One domain's serial console, shared. QEMU serves the console on a socket that takes a single client;
 * the relay is that client, copies what the guest writes to every subscriber and what any subscriber
 * types to the guest. QEMU itself keeps the output in a log file, which the relay keeps below its limit
 * ({@link ConsoleLog}), so a subscriber that attaches late (or after an xend restart) first gets the recent
 * history: the log's tail as it was when the relay started, then what the relay has passed on since, kept in
 * memory. (Not the log's tail at the moment of attaching: QEMU writes the log and the socket separately, so the
 * log can be ahead of what the relay has read, and those bytes would come twice, once in the history and once
 * live; or behind it, and they would not come at all.)
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
    /**
     * How long the output pump naps after each read. QEMU's serial port hands the guest's output to the socket a
     * byte at a time, and a reader that always waits wakes, from QEMU's own thread, for nearly each one (~8,000 reads
     * for the 26 kB of a pv boot). After a nap the bytes written meanwhile come in one read (~900 reads): fewer
     * wake-ups for QEMU to make and for xend to take. The socket holds a few hundred bytes, which the guest writes
     * in more than this (bench/README.md, eighth pass).
     */
    static final Duration OUTPUT_NAP = Duration.ofNanos(100_000);
    /** Marks the end of a subscriber's queue: the console closed. */
    private static final byte[] END = new byte[0];

    private final String domain;
    private final Path qemuSocket;
    private final ConsoleLog log;
    private final Path clientSocket;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    // Held only for quick, non-blocking work: handing a chunk to the queues, reading the history, rotating
    // the log. Never across a write to a client.
    private final ReentrantLock lock = new ReentrantLock();
    private final ReentrantLock inputLock = new ReentrantLock();
    private volatile SocketChannel qemu;
    private volatile ServerSocketChannel server;
    private volatile boolean closed;
    private long sinceRotationCheck;
    /** The last {@link #HISTORY_BYTES} of the console, a ring written at {@code recentEnd}; under {@code lock}. */
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
        /** Its output has ended (told, or dropped): its watch stops. */
        volatile boolean ended;
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
                while (!ended && !closed) {
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
            ended = true;
            queue.add(END);
        }

        /** Drops a subscriber that cannot keep up: its delivery stops (a blocked socket write is interrupted). */
        void drop() {
            dropped = true;
            ended = true;
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

    /** A relay whose log is kept below {@link ConsoleLog#DEFAULT_LIMIT}. */
    public ConsoleRelay(String domain, Path qemuSocket, Path logFile, Path clientSocket) {
        this(domain, qemuSocket, new ConsoleLog(logFile, ConsoleLog.DEFAULT_LIMIT), clientSocket);
    }

    public ConsoleRelay(String domain, Path qemuSocket, ConsoleLog log, Path clientSocket) {
        this.domain = Objects.requireNonNull(domain);
        this.qemuSocket = Objects.requireNonNull(qemuSocket);
        this.log = Objects.requireNonNull(log);
        this.clientSocket = Objects.requireNonNull(clientSocket);
    }

    /**
     * Connects to QEMU's console socket (waiting up to {@code timeout} for QEMU to create it) and opens the
     * client socket. A log that grew past its limit while no relay watched it is rotated first.
     */
    public void start(Duration timeout) throws IOException {
        qemu = connectWithin(qemuSocket, timeout);
        rotateLog();
        // What the guest wrote before the relay was there (a start holds the vCPUs until the relay runs, so
        // this is the history of earlier runs and of the time xend was away); from now on the relay remembers.
        remember(log.tail(HISTORY_BYTES));
        Files.deleteIfExists(clientSocket);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(clientSocket));
        Files.setPosixFilePermissions(clientSocket, PosixFilePermissions.fromString("rw-------"));
        server = s;
        // A thread of its own, not a virtual one: a virtual thread's every wait on the socket goes through the JDK's
        // poller and back to a carrier, two more wake-ups per read.
        Thread.ofPlatform().daemon().name("console-out-" + domain).start(this::pumpOutput);
        Thread.ofVirtual().name("console-accept-" + domain).start(this::acceptClients);
    }

    /** The socket {@code xm console} connects to. */
    public Path clientSocket() {
        return clientSocket;
    }

    /**
     * Subscribes to the console: {@code sink} first receives the recent history, then live output, in
     * order, on a thread of its own; {@code onEnd} runs once on that thread when the console closes (the
     * guest stopped) or when the subscriber is dropped for falling {@value #CLIENT_BUFFER_BYTES} bytes
     * behind.
     */
    public Subscription subscribe(Consumer<byte[]> sink, Runnable onEnd) {
        Subscriber sub = new Subscriber(sink, onEnd);
        lock.lock();
        try {
            // Under the lock that the output pump also takes: nothing is queued live until the history
            // has been, so the subscriber sees the stream in order.
            byte[] history = history();
            if (history.length > 0) sub.offer(history);
            if (closed) {
                sub.end();
            } else {
                subscribers.add(sub);
            }
            sub.worker = Thread.ofVirtual().name("console-client-out-" + domain).start(sub::deliver);
            Thread.ofVirtual().name("console-client-watch-" + domain).start(sub::watch);
        } finally {
            lock.unlock();
        }
        return new Subscription() {
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
                if (subscribers.remove(sub)) sub.end();
            }
        };
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

    private void pumpOutput() {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        try {
            while (!closed) {
                buf.clear();
                int n = qemu.read(buf);
                if (n < 0) break;
                byte[] chunk = Arrays.copyOf(buf.array(), n);
                lock.lock();
                try {
                    remember(chunk);
                    for (Subscriber s : subscribers) {
                        if (!s.offer(chunk)) {
                            subscribers.remove(s);
                            s.drop();
                            LOG.info("console client of " + domain + " dropped: it stopped reading, or fell more than "
                                    + MAX_BEHIND_BYTES + " bytes behind the guest");
                        }
                    }
                    // QEMU appends what we just read to the log: look at its size every sixteenth of the limit.
                    sinceRotationCheck += n;
                    if (sinceRotationCheck >= log.limit() / 16) {
                        sinceRotationCheck = 0;
                        rotateLog();
                    }
                } finally {
                    lock.unlock();
                }
                Thread.sleep(OUTPUT_NAP);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            if (!closed) LOG.log(Level.FINE, "console of " + domain + " ended", e);
        } finally {
            close();
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
