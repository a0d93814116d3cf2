package org.vmhost.qemu.qmp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.vmhost.json.JsonCodec;
import org.vmhost.json.JsonObject;
import org.vmhost.json.JsonValue;
import org.vmhost.qemu.qmp.QmpConnectionException.Reason;

/**
 * The JSON command layer: sends {@code {"execute": ..., "arguments": ..., "id": n}}, matches each reply
 * to its caller by {@code id} (QEMU may answer out of order once commands run in coroutines), and
 * queues events for one dispatcher thread.
 *
 * <p>Closing is one path, {@link #shutdown}: the first cause is kept, the socket is closed, every
 * pending call fails with that cause, and the dispatcher finishes the events already queued. A call
 * registers itself before it checks for a cause, and the reader sets the cause before it drains, so
 * no call can slip between the two and wait for a reply that never comes.
 */
final class QmpConnection implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(QmpConnection.class.getName());
    private static final Object END_OF_EVENTS = new Object();

    private final QmpSocket socket;
    private final AtomicLong ids = new AtomicLong();
    private final ConcurrentHashMap<Long, CompletableFuture<JsonValue>> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<JsonValue> greeting = new CompletableFuture<>();
    private final AtomicReference<Closure> closure = new AtomicReference<>();
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final List<Consumer<? super QmpEvent>> listeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    /** Why the connection ended; turned into an exception on each caller's thread. */
    record Closure(Reason reason, String detail, Throwable cause) {}

    /** Completes a pending call when the connection ends; cheap, since it never reaches a caller. */
    private static final class Ended extends RuntimeException {
        final Closure closure;

        Ended(Closure closure) {
            super(closure.reason().name(), null, false, false);
            this.closure = closure;
        }
    }

    private QmpConnection(QmpSocket socket, Consumer<? super QmpEvent> listener) {
        this.socket = socket;
        if (listener != null) listeners.add(listener);
    }

    /**
     * Connects, waits for the greeting and leaves capabilities negotiation. The listener, if given, sees
     * every event from the first on: QEMU sends none before {@code qmp_capabilities}.
     */
    static QmpConnection open(Path path, Duration timeout, Consumer<? super QmpEvent> listener)
            throws QmpException, InterruptedException {
        QmpSocket socket;
        try {
            socket = QmpSocket.connect(path);
        } catch (IOException e) {
            throw new QmpConnectionException(path, null, Reason.CONNECT_FAILED, String.valueOf(e.getMessage()), e);
        }
        QmpConnection connection = new QmpConnection(socket, listener);
        connection.startThreads();
        try {
            connection.awaitGreeting(timeout);
            connection.execute("qmp_capabilities", null, timeout);
            return connection;
        } catch (QmpException | InterruptedException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    private void startThreads() {
        Thread.ofVirtual().name("qmp-reader " + socket.path()).start(this::readLoop);
        Thread.ofVirtual().name("qmp-events " + socket.path()).start(this::dispatchLoop);
    }

    private void awaitGreeting(Duration timeout) throws QmpException, InterruptedException {
        try {
            greeting.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            shutdown(new Closure(Reason.CLOSED_BY_CLIENT, "no greeting", null));
            throw QmpTimeoutException.forGreeting(socket.path(), timeout);
        } catch (ExecutionException e) {
            throw failure(null, e.getCause());
        }
    }

    Path path() {
        return socket.path();
    }

    /**
     * Runs one command and returns its {@code return} value.
     *
     * @param args the {@code arguments} object, or null for none
     */
    JsonValue execute(String command, JsonObject args, Duration timeout) throws QmpException, InterruptedException {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(timeout, "timeout");
        long id = ids.incrementAndGet();
        JsonObject message = new JsonObject().put("execute", command);
        if (args != null && !args.isEmpty()) message.set("arguments", args);
        message.put("id", id);
        byte[] bytes = JsonCodec.bytes(message);

        CompletableFuture<JsonValue> reply = new CompletableFuture<>();
        pending.put(id, reply);
        Closure ended = closure.get();
        if (ended != null) {
            pending.remove(id);
            throw failure(command, new Ended(ended));
        }
        try {
            socket.writeLine(bytes);
        } catch (IOException e) {
            pending.remove(id);
            shutdown(new Closure(Reason.IO_ERROR, "writing: " + e.getMessage(), e));
            throw failure(command, new Ended(closure.get()));
        }
        try {
            return answer(command, reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            pending.remove(id);
            throw QmpTimeoutException.forCommand(socket.path(), command, timeout);
        } catch (ExecutionException e) {
            throw failure(command, e.getCause());
        } catch (InterruptedException e) {
            pending.remove(id);
            throw e;
        }
    }

    private JsonValue answer(String command, JsonValue reply) throws QmpException {
        JsonValue error = reply.get("error");
        if (error != null) {
            throw new QmpErrorException(socket.path(), command,
                    error.path("class").asText("UnknownError"), error.path("desc").asText(""));
        }
        return reply.get("return");
    }

    private QmpException failure(String command, Throwable cause) {
        if (cause instanceof Ended ended) {
            Closure c = ended.closure;
            return new QmpConnectionException(socket.path(), command, c.reason(), c.detail(), c.cause());
        }
        throw new IllegalStateException("unexpected failure of a QMP call", cause);
    }

    void addListener(Consumer<? super QmpEvent> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void removeListener(Consumer<? super QmpEvent> listener) {
        listeners.remove(listener);
    }

    /** Completes once the connection has ended and every event received before that was delivered. */
    CompletableFuture<Void> closed() {
        return closed;
    }

    boolean isOpen() {
        return closure.get() == null;
    }

    /** Ends the connection because the peer broke the protocol outside the reader (a malformed answer). */
    void abort(String detail) {
        shutdown(new Closure(Reason.PROTOCOL_ERROR, detail, null));
    }

    @Override
    public void close() {
        shutdown(new Closure(Reason.CLOSED_BY_CLIENT, null, null));
    }

    private void shutdown(Closure cause) {
        closure.compareAndSet(null, cause);
        Closure first = closure.get();
        try {
            socket.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing QMP socket " + socket.path() + " failed", e);
        }
        Ended ended = new Ended(first);
        greeting.completeExceptionally(ended);
        for (Long id : pending.keySet()) {
            CompletableFuture<JsonValue> call = pending.remove(id);
            if (call != null) call.completeExceptionally(ended);
        }
        events.add(END_OF_EVENTS);
    }

    private void readLoop() {
        Closure end;
        try {
            while (true) {
                byte[] line = socket.readLine();
                if (line == null) {
                    end = new Closure(Reason.CLOSED_BY_PEER, null, null);
                    break;
                }
                String problem = handle(line);
                if (problem != null) {
                    end = new Closure(Reason.PROTOCOL_ERROR, problem, null);
                    break;
                }
            }
        } catch (QmpSocket.QmpLineTooLongException e) {
            end = new Closure(Reason.PROTOCOL_ERROR, e.getMessage(), e);
        } catch (java.io.EOFException e) {
            end = new Closure(Reason.CLOSED_BY_PEER, e.getMessage(), null);
        } catch (IOException e) {
            // After close() the read fails with AsynchronousCloseException; the first cause is kept.
            end = new Closure(Reason.IO_ERROR, "reading: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            end = new Closure(Reason.IO_ERROR, "reader failed: " + e, e);
            LOG.log(System.Logger.Level.ERROR, "QMP reader on " + socket.path() + " failed", e);
        }
        shutdown(end);
    }

    /** Routes one line; returns why it breaks the protocol, or null. */
    private String handle(byte[] line) {
        if (isBlank(line)) return null;
        JsonValue message;
        try {
            message = JsonCodec.parse(line);
        } catch (IOException e) {
            return "not JSON: " + preview(line);
        }
        if (message == null || !message.isObject()) return "not a JSON object: " + preview(line);
        if (!greeting.isDone()) {
            if (!message.has("QMP")) return "expected the QMP greeting, got " + preview(line);
            greeting.complete(message);
        } else if (message.has("event")) {
            events.add(QmpEvent.fromJson(message));
        } else if (message.has("return") || message.has("error")) {
            JsonValue id = message.get("id");
            CompletableFuture<JsonValue> call = id != null && id.canConvertToLong() ? pending.remove(id.asLong()) : null;
            if (call != null) {
                call.complete(message);
            } else {
                // A reply to a call that timed out, or one QEMU could not tie to an id.
                LOG.log(System.Logger.Level.WARNING, "QMP on {0}: dropping a reply no call waits for: {1}",
                        socket.path(), preview(line));
            }
        } else {
            LOG.log(System.Logger.Level.WARNING, "QMP on {0}: ignoring an unknown message: {1}",
                    socket.path(), preview(line));
        }
        return null;
    }

    private void dispatchLoop() {
        try {
            while (true) {
                Object next = events.take();
                if (next == END_OF_EVENTS) break;
                QmpEvent event = (QmpEvent) next;
                for (Consumer<? super QmpEvent> listener : listeners) {
                    try {
                        listener.accept(event);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.ERROR, "listener failed on QMP event " + event.name()
                                + " from " + socket.path(), e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closed.complete(null);
        }
    }

    private static boolean isBlank(byte[] line) {
        for (byte b : line) {
            if (b != ' ' && b != '\t' && b != '\r') return false;
        }
        return true;
    }

    private static String preview(byte[] line) {
        String text = new String(line, 0, Math.min(line.length, 120), StandardCharsets.UTF_8);
        return "'" + text + (line.length > 120 ? "...'" : "'");
    }
}
