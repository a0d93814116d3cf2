package org.vmhost.api;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * The WebSockets open now, each with the credential it was opened with, so that the end of that credential ends
 * them too: access is checked at the upgrade only ({@link AccessRule#checkUpgrade}), and a console left open would
 * otherwise outlive the logout, the deleted token or the expired session that let it in. A logout and a token's
 * deletion close theirs at once ({@link #end}); what ends without a request to xend (a session's expiry, a token
 * file edited by hand, a user's role changed) is found by a recheck every {@link #RECHECK} while any is open.
 *
 * <p>It is the first endpoint of every WebSocket ({@link ApiHandler}), so a route added later is covered without
 * remembering to.
 */
final class OpenSockets implements WsConnection.Endpoint {
    /** The close code of a WebSocket whose credential has ended: log in again, or use another token. */
    static final int CREDENTIAL_ENDED = 4401;
    /** How often the credentials of open WebSockets are checked again while any is open. */
    static final Duration RECHECK = Duration.ofSeconds(10);

    /**
     * What let a WebSocket in: the caller, the credential by a name that holds no secret ({@link #SESSION} or
     * {@link #TOKEN} and the SHA-256 of the secret, or the UNIX socket's peer), and whether it still holds (the
     * session is open, the token kept, the role the same). Made at the upgrade, by {@link AccessRule}.
     */
    record Grant(Caller caller, String credential, BooleanSupplier holds) {
        static final String SESSION = "session:";
        static final String TOKEN = "token:";

        Grant {
            Objects.requireNonNull(caller);
            Objects.requireNonNull(credential);
            Objects.requireNonNull(holds);
        }

        /** A grant that holds as long as the socket: xend's own api.token. */
        static Grant lasting(Caller caller, String credential) {
            return new Grant(caller, credential, () -> true);
        }
    }

    private record Open(WsConnection socket, Grant grant) {
    }

    private final Map<String, Open> open = new ConcurrentHashMap<>();
    private Thread watcher; // guarded by this

    /** Each connection is known from its open to its close. */
    @Override
    public void closed(WsConnection socket) {
        open.remove(socket.id());
    }

    /** Closes, with {@value #CREDENTIAL_ENDED}, the WebSockets opened with {@code credential}: it has just ended. */
    void end(String credential) {
        open.forEach((id, o) -> {
            if (o.grant().credential().equals(credential)) close(id, o);
        });
    }

    /** Closes every open WebSocket whose credential no longer holds. */
    void recheck() {
        open.forEach((id, o) -> {
            if (!holds(o.grant())) close(id, o);
        });
    }

    private static boolean holds(Grant grant) {
        try {
            return grant.holds().getAsBoolean();
        } catch (RuntimeException e) {
            return false; // a credential that cannot be checked is not taken on trust
        }
    }

    private void close(String id, Open o) {
        if (!open.remove(id, o)) return;
        Caller caller = o.grant().caller();
        System.getLogger(OpenSockets.class.getName()).log(System.Logger.Level.INFO,
                "closing a WebSocket of '" + caller.name() + "': its " + caller.via() + " has ended or its role changed");
        o.socket().close(CREDENTIAL_ENDED, "the " + caller.via() + " that opened this has ended");
    }

    @Override
    public void opened(WsConnection socket) {
        Open o = new Open(socket, socket.grant());
        open.put(socket.id(), o);
        startWatcher();
        // A logout between this socket's upgrade and now went through the map before it was in it.
        if (!holds(o.grant())) close(socket.id(), o);
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
                Thread.sleep(RECHECK);
                recheck();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            synchronized (this) {
                if (watcher == Thread.currentThread()) watcher = null; // whatever ended it, the next socket starts another
            }
        }
    }
}
