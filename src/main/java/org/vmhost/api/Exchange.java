package org.vmhost.api;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * One HTTP request and its answer, as the routes and {@link AccessRule} see it: the method, the path as sent (not
 * decoded, so that what the access rule checks is what the router matched), the path's parameters (decoded), the
 * query, headers and body; and the status, headers and body of the answer, written by {@link #send}. A thin layer
 * over Jetty's own request, without its servlet layer (a daemon of fewer classes: bench/README.md).
 */
final class Exchange {
    /** The largest request body read; a larger one is refused with 413 (a domain's config is a few kB). */
    static final int MAX_BODY = 1_000_000;

    private final Request request;
    private final Response response;
    private final String path;
    private Map<String, String> pathParams = Map.of();
    private Fields query;
    private int status = 200;
    private byte[] result;

    Exchange(Request request, Response response) {
        this.request = request;
        this.response = response;
        this.path = request.getHttpURI().getPath();
    }

    /** The method on the wire, or null for one HTTP does not define (no route has it). */
    HttpMethod method() {
        return HttpMethod.CACHE.get(request.getMethod());
    }

    /** The method's name as sent, for messages: also one this server knows nothing of. */
    String methodName() {
        return request.getMethod();
    }

    /** The path as sent, without the query, still percent-encoded. */
    String path() {
        return path;
    }

    void pathParams(Map<String, String> params) {
        this.pathParams = Map.copyOf(params);
    }

    /** A {@code {name}} of the route's path, percent-decoded. */
    String pathParam(String name) {
        String value = pathParams.get(name);
        if (value == null) throw new IllegalArgumentException("no path parameter '" + name + "' in the route of " + path);
        return value;
    }

    /** The first value of a query parameter, form-decoded, or null. */
    String queryParam(String name) {
        return query().getValue(name);
    }

    /** The names of the query's parameters. */
    Set<String> queryNames() {
        return query().getNames();
    }

    private Fields query() {
        if (query == null) {
            try {
                query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new Failures.Refused(400, "the query string is malformed: an escape that is not %XX");
            }
        }
        return query;
    }

    /** A request header's value, or null. */
    String header(String name) {
        return request.getHeaders().get(name);
    }

    String header(HttpHeader name) {
        return request.getHeaders().get(name);
    }

    /** The values of every cookie named {@code name}, in the request's order. */
    List<String> cookies(String name) {
        return Request.getCookies(request).stream().filter(c -> c.getName().equals(name)).map(HttpCookie::getValue).toList();
    }

    /**
     * The request's body, at most {@link #MAX_BODY} bytes; a larger one is refused with 413 before it is read where
     * its length is declared, and once that much is read where it is not.
     */
    byte[] bodyAsBytes() {
        long declared = request.getLength();
        if (declared > MAX_BODY) throw tooLarge();
        try (InputStream in = Request.asInputStream(request)) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) throw tooLarge();
            return body;
        } catch (IOException e) {
            throw new Failures.Refused(400, "the request's body could not be read: " + e.getMessage());
        }
    }

    /**
     * The rest of a body too large is not read, so the connection cannot carry another request: the answer says
     * it closes, and a client's pool does not send its next request down a connection that is gone.
     */
    private Failures.Refused tooLarge() {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        return new Failures.Refused(413, "Content Too Large");
    }

    Object attribute(String name) {
        return request.getAttribute(name);
    }

    void attribute(String name, Object value) {
        request.setAttribute(name, value);
    }

    /** Whether the request came over xend's UNIX socket, xm's, rather than TCP. */
    boolean onLocalSocket() {
        return request.getConnectionMetaData().getLocalSocketAddress() instanceof UnixDomainSocketAddress;
    }

    /** The connection's end point, whose channel tells the UNIX socket's peer. */
    EndPoint endPoint() {
        return request.getConnectionMetaData().getConnection().getEndPoint();
    }

    /** The client's address as text ({@code 127.0.0.1}, {@code 0:0:0:0:0:0:0:1}), or "" on the UNIX socket. */
    String remoteAddress() {
        return address(request.getConnectionMetaData().getRemoteSocketAddress());
    }

    int remotePort() {
        return port(request.getConnectionMetaData().getRemoteSocketAddress());
    }

    String localAddress() {
        return address(request.getConnectionMetaData().getLocalSocketAddress());
    }

    int localPort() {
        return port(request.getConnectionMetaData().getLocalSocketAddress());
    }

    private static String address(SocketAddress a) {
        return a instanceof InetSocketAddress inet && inet.getAddress() != null ? inet.getAddress().getHostAddress() : "";
    }

    private static int port(SocketAddress a) {
        return a instanceof InetSocketAddress inet ? inet.getPort() : 0;
    }

    void status(int status) {
        this.status = status;
    }

    void contentType(String type) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    }

    /** Sets a header of the answer, replacing one of the same name. */
    void header(String name, String value) {
        response.getHeaders().put(name, value);
    }

    /** Answers {@code status} with {@code body} as JSON. */
    void json(int status, Object body) {
        this.status = status;
        contentType(ApiPaths.JSON);
        this.result = Json.write(body);
    }

    void result(byte[] body) {
        this.result = body;
    }

    void result(String body) {
        this.result = body.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Clears the body a failed route set. Its headers stay, as they did on Javalin: those an error needs
     * (WWW-Authenticate, Retry-After, Connection) and any other the route set before it failed.
     */
    void resetBody() {
        this.result = null;
    }

    /** Writes the answer: the status, the headers set, and the body (none for 204 or HEAD). */
    void send(Callback callback) {
        response.setStatus(status);
        byte[] body = result == null || status == 204 ? new byte[0] : result;
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
