package org.vmhost.api;

import io.javalin.websocket.WsBinaryMessageHandler;
import io.javalin.websocket.WsCloseHandler;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsConnectHandler;
import io.javalin.websocket.WsContext;
import io.javalin.websocket.WsErrorHandler;
import io.javalin.websocket.WsMessageHandler;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The WebSockets open now, each with the credential it was opened with, so that the end of that credential ends
 * them too: access is checked at the upgrade only ({@link AccessRule#checkUpgrade}), and a console left open would
 * otherwise outlive the logout, the deleted token or the expired session that let it in. A logout and a token's
 * deletion close theirs at once ({@link #recheck}); what ends without a request to xend (a session's expiry, a
 * token file edited by hand, an account that lost its group) within {@link #RECHECK}.
 *
 * <p>Every WebSocket route is registered through {@link #tracked}, so a route added later is covered without
 * remembering to.
 */
final class OpenSockets {
    /** The close code of a WebSocket whose credential has ended: log in again, or use another token. */
    static final int CREDENTIAL_ENDED = 4401;
    /** How often the credentials of open WebSockets are checked again while any is open. */
    static final Duration RECHECK = Duration.ofSeconds(10);

    /**
     * What let a WebSocket in: the caller and whether that still holds (the session is open, the token kept, the
     * role the same). Read at the upgrade, by {@link AccessRule}.
     */
    record Grant(Caller caller, BooleanSupplier holds) {
        Grant {
            Objects.requireNonNull(caller);
            Objects.requireNonNull(holds);
        }

        /** A grant that holds as long as the socket: a peer of the UNIX socket, xend's own api.token. */
        static Grant lasting(Caller caller) {
            return new Grant(caller, () -> true);
        }
    }

    private record Open(WsContext ctx, Grant grant) {
    }

    private final Map<String, Open> open = new ConcurrentHashMap<>();
    private final Duration recheck;
    private Thread watcher; // guarded by this

    OpenSockets() {
        this(RECHECK);
    }

    OpenSockets(Duration recheck) {
        this.recheck = recheck;
    }

    /**
     * {@code configure}, a WebSocket route's set-up, with its connections recorded here: each is known from before
     * its own {@code onConnect} runs until after its {@code onClose} or {@code onError}.
     */
    Consumer<WsConfig> tracked(Consumer<WsConfig> configure) {
        return ws -> {
            Handlers h = new Handlers();
            configure.accept(h);
            ws.onConnect(ctx -> {
                opened(ctx);
                if (h.connect != null) h.connect.handleConnect(ctx);
            });
            ws.onClose(ctx -> {
                try {
                    if (h.close != null) h.close.handleClose(ctx);
                } finally {
                    open.remove(ctx.sessionId());
                }
            });
            ws.onError(ctx -> {
                try {
                    if (h.error != null) h.error.handleError(ctx);
                } finally {
                    open.remove(ctx.sessionId());
                }
            });
            if (h.message != null) ws.onMessage(h.message);
            if (h.binary != null) ws.onBinaryMessage(h.binary);
        };
    }

    /** The handlers a route sets, kept to be wrapped; Javalin's own WsConfig keeps its fields to itself. */
    private static final class Handlers extends WsConfig {
        WsConnectHandler connect;
        WsCloseHandler close;
        WsErrorHandler error;
        WsMessageHandler message;
        WsBinaryMessageHandler binary;

        @Override
        public void onConnect(WsConnectHandler handler) {
            connect = handler;
        }

        @Override
        public void onClose(WsCloseHandler handler) {
            close = handler;
        }

        @Override
        public void onError(WsErrorHandler handler) {
            error = handler;
        }

        @Override
        public void onMessage(WsMessageHandler handler) {
            message = handler;
        }

        @Override
        public void onBinaryMessage(WsBinaryMessageHandler handler) {
            binary = handler;
        }
    }

    /** How many WebSockets are open now. */
    int count() {
        return open.size();
    }

    /** Closes, with {@value #CREDENTIAL_ENDED}, every open WebSocket whose credential no longer holds. */
    void recheck() {
        for (Map.Entry<String, Open> e : open.entrySet()) {
            Open o = e.getValue();
            boolean holds;
            try {
                holds = o.grant().holds().getAsBoolean();
            } catch (RuntimeException ex) {
                holds = false; // a credential that cannot be checked is not taken on trust
            }
            if (holds || !open.remove(e.getKey(), o)) continue;
            System.getLogger(OpenSockets.class.getName()).log(System.Logger.Level.INFO,
                    "closing a WebSocket of '" + o.grant().caller().name() + "': its " + o.grant().caller().via() + " has ended");
            o.ctx().closeSession(CREDENTIAL_ENDED, "the " + o.grant().caller().via() + " that opened this has ended");
        }
    }

    private void opened(WsContext ctx) {
        open.put(ctx.sessionId(), new Open(ctx, AccessRule.grant(ctx)));
        startWatcher();
    }

    /** One virtual thread rechecks while any WebSocket is open, and ends with the last. */
    private synchronized void startWatcher() {
        if (watcher != null) return;
        watcher = Thread.ofVirtual().name("websocket-credentials").start(this::watch);
    }

    private synchronized boolean keepWatching() {
        if (!open.isEmpty()) return true;
        watcher = null;
        return false;
    }

    private void watch() {
        try {
            while (keepWatching()) {
                Thread.sleep(recheck);
                recheck();
            }
        } catch (InterruptedException e) {
            synchronized (this) {
                watcher = null;
            }
        }
    }
}
