package org.vmhost.api;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.Header;
import java.net.UnixDomainSocketAddress;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * "The API refuses unauthenticated changes from anywhere but the local root socket." A request on the UNIX
 * socket is trusted: the socket's mode (0600) lets only its owner connect. Over TCP anyone on the host may
 * read, but every other request must carry {@code Authorization: Bearer <token>}.
 *
 * <p>A read is a plain GET. A GET that asks to upgrade the connection to a WebSocket or another stream (a
 * console) is not a read: it opens a session that can type into a guest, so it needs the token too.
 */
final class AccessRule {
    private final TokenFile token;

    /** @param token the token TCP clients must present, or null when there is no TCP listener */
    AccessRule(TokenFile token) {
        this.token = token;
    }

    void check(Context ctx) {
        // Javalin routes by this header; refuse it so that the method checked here is the method on the wire.
        if (ctx.header(Header.X_HTTP_METHOD_OVERRIDE) != null)
            throw new VmhostException(ErrorCode.BAD_REQUEST, "the header " + Header.X_HTTP_METHOD_OVERRIDE + " is not supported");
        if (onLocalSocket(ctx) || isRead(ctx)) return;
        if (token != null && token.accepts(ctx.header(Header.AUTHORIZATION))) return;
        throw new VmhostException(ErrorCode.UNAUTHORIZED,
                "changes over TCP need the header 'Authorization: Bearer <token>' with xend's API token");
    }

    private static boolean onLocalSocket(Context ctx) {
        return ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData()
                .getLocalSocketAddress() instanceof UnixDomainSocketAddress;
    }

    private static boolean isRead(Context ctx) {
        return (ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD) && !upgradesToASession(ctx);
    }

    /**
     * Whether the request asks to switch to another protocol. An offer of HTTP/2 ({@code h2c}, which
     * java.net.http sends with its first request) does not count: this server does not take it up, so the
     * request stays a plain GET.
     */
    private static boolean upgradesToASession(Context ctx) {
        String upgrade = ctx.header(Header.UPGRADE);
        if (upgrade == null) return false;
        for (String protocol : upgrade.split(","))
            if (!protocol.strip().equalsIgnoreCase("h2c")) return true;
        return false;
    }
}
