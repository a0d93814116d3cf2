package org.vmhost.api;

import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;
import org.eclipse.jetty.websocket.server.WebSocketCreator;

/**
 * xend's requests, from Jetty to the routes: every HTTP request is checked by {@link AccessRule#check} and then
 * served by the first {@link Routes.Route} whose method and path it has (a HEAD by a GET's); every WebSocket upgrade
 * on a WebSocket route is checked by {@link AccessRule#checkUpgrade}, and its socket served by {@link OpenSockets}
 * and then the route's own endpoint. Whatever is thrown is answered by {@link Failures}. Both run on virtual
 * threads, and may block.
 */
final class ApiHandler extends Handler.Abstract {
    /** A WebSocket route: its path, with {@code {name}} parameters, and what serves its sockets. */
    record SocketRoute(String path, WsConnection.Endpoint endpoint) {
    }

    private final AccessRule access;
    private final List<Routes.Route> routes;
    private final OpenSockets sockets;

    ApiHandler(AccessRule access, List<Routes.Route> routes, OpenSockets sockets) {
        this.access = access;
        this.routes = List.copyOf(routes);
        this.sockets = sockets;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Exchange ctx = new Exchange(request, response);
        try {
            access.check(ctx);
            route(ctx).run(ctx);
        } catch (Exception e) {
            Failures.respond(e, ctx);
        }
        ctx.send(callback);
        return true;
    }

    /** The route for the request, with its path parameters set; 404 when there is none. */
    private Routes.Route route(Exchange ctx) {
        HttpMethod method = ctx.method();
        for (Routes.Route r : routes) {
            if (r.method() != method && !(method == HttpMethod.HEAD && r.method() == HttpMethod.GET)) continue;
            Map<String, String> params = r.match(ctx.path());
            if (params != null) {
                ctx.pathParams(params);
                return r;
            }
        }
        throw new Failures.Refused(404, null);
    }

    /** Adds the WebSocket routes to Jetty's container. */
    void addTo(ServerWebSocketContainer container, List<SocketRoute> socketRoutes) {
        for (SocketRoute r : socketRoutes) container.addMapping("uri-template|" + r.path(), creator(r));
    }

    /**
     * Makes a route's socket, or answers the upgrade with the error body and makes none. The path's parameters
     * and the access check are taken from the path as sent, as for HTTP (Jetty maps the upgrade by the decoded
     * path): one written otherwise is refused as no route's, before its credentials are looked at.
     */
    private WebSocketCreator creator(SocketRoute route) {
        return (request, response, callback) -> {
            Exchange ctx = new Exchange(request, response);
            try {
                Map<String, String> params = Routes.match(route.path(), ctx.path());
                if (params == null) throw new Failures.Refused(404, null);
                OpenSockets.Grant grant = access.checkUpgrade(ctx);
                // A subprotocol asked for is taken, the first one (noVNC's 'binary', if it asks): what a browser
                // would refuse to open otherwise.
                if (!request.getSubProtocols().isEmpty()) response.setAcceptedSubProtocol(request.getSubProtocols().getFirst());
                return new WsConnection(params, grant, List.of(sockets, route.endpoint()));
            } catch (Exception e) {
                Failures.respond(e, ctx);
                ctx.send(callback);
                return null;
            }
        };
    }
}
