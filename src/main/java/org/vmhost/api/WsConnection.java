package org.vmhost.api;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * One open WebSocket: its id, the path parameters and the grant of its upgrade, and the endpoints that serve it in
 * order ({@link OpenSockets} first, then the route's own). Jetty calls it on each frame; it asks for the next frame
 * after each call returns. Sends do not block: Jetty queues them. Public only because Jetty calls its listener
 * methods through public method handles; nothing else of it is.
 */
public final class WsConnection implements Session.Listener.AutoDemanding {
    private static final Logger LOG = Logger.getLogger(WsConnection.class.getName());

    /** What serves a WebSocket route: told of the open, each message and the close (once, whatever ended it). */
    interface Endpoint {
        void opened(WsConnection socket);

        default void text(WsConnection socket, String message) {
        }

        default void binary(WsConnection socket, ByteBuffer data) {
        }

        default void closed(WsConnection socket) {
        }
    }

    private final String id = UUID.randomUUID().toString();
    private final Map<String, String> pathParams;
    private final OpenSockets.Grant grant;
    private final List<Endpoint> endpoints;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Session session;

    WsConnection(Map<String, String> pathParams, OpenSockets.Grant grant, List<Endpoint> endpoints) {
        this.pathParams = Map.copyOf(pathParams);
        this.grant = grant;
        this.endpoints = List.copyOf(endpoints);
    }

    /** This connection's id, unique in xend's life. */
    String id() {
        return id;
    }

    String pathParam(String name) {
        String value = pathParams.get(name);
        if (value == null) throw new IllegalArgumentException("no path parameter '" + name + "'");
        return value;
    }

    /** What let it in, for {@link OpenSockets} to check again while it is open. */
    OpenSockets.Grant grant() {
        return grant;
    }

    boolean isOpen() {
        Session s = session;
        return s != null && s.isOpen();
    }

    void send(String message) {
        session.sendText(message, Callback.NOOP);
    }

    void sendBinary(ByteBuffer data, Callback callback) {
        session.sendBinary(data, callback);
    }

    void close(int code, String reason) {
        Session s = session;
        if (s != null) s.close(code, reason, Callback.NOOP);
    }

    /** Pings every {@code interval} while open: an idle socket then outlives Jetty's idle timeout, a vanished peer not. */
    void pingEvery(Duration interval) {
        Thread.ofVirtual().name("ws-ping-" + id).start(() -> {
            try {
                while (true) {
                    Thread.sleep(interval);
                    if (!isOpen()) return;
                    session.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Override
    public void onWebSocketOpen(Session session) {
        this.session = session;
        for (Endpoint e : endpoints) {
            if (!call(() -> e.opened(this))) return;
            if (!isOpen()) return; // closed by the one before (a credential that ended meanwhile)
        }
    }

    @Override
    public void onWebSocketText(String message) {
        for (Endpoint e : endpoints) if (!call(() -> e.text(this, message))) return;
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        try {
            for (Endpoint e : endpoints) if (!call(() -> e.binary(this, payload))) return;
        } finally {
            callback.succeed();
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        ended();
        callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        LOG.log(Level.FINE, "WebSocket " + id + " failed", cause);
        ended();
    }

    private void ended() {
        if (!closed.compareAndSet(false, true)) return;
        for (Endpoint e : endpoints) call(() -> e.closed(this));
    }

    /** Runs an endpoint's call; a failure is a bug in xend, logged, and ends this socket. */
    private boolean call(Runnable r) {
        try {
            r.run();
            return true;
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "WebSocket " + id + ": unexpected failure", e);
            close(1011, "internal error in xend; details are in its log");
            return false;
        }
    }
}
