package org.vmhost.api;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.vmhost.api.ResponseBody.ErrorBody;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * The one place where a failure becomes a response: the error body
 * {@code {"error":{"code":…,"message":…}}}.
 *
 * <ul>
 *   <li>A {@link VmhostException} is an answer: its code gives the HTTP status, its message is passed on.</li>
 *   <li>What the HTTP stack refuses itself (no such route, a body too large, a malformed URI, headers too
 *       large) keeps the HTTP status it chose and gets the code {@code NO_SUCH_ROUTE} (404) or
 *       {@code BAD_REQUEST}.</li>
 *   <li>Anything else is a bug in xend: logged with its stack trace, answered {@code INTERNAL} (500)
 *       without its details.</li>
 * </ul>
 */
final class Failures {
    private static final System.Logger LOG = System.getLogger(Failures.class.getName());

    private Failures() {
    }

    /**
     * A request the HTTP layer refuses before any route runs (no such route, a body too large), with the status it
     * is answered with; {@code reason} is null for a route that is not there.
     */
    static final class Refused extends RuntimeException {
        private final int status;

        Refused(int status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    /** Every exception that access checks, routes and WebSocket upgrades throw. */
    static void respond(Exception e, Exchange ctx) {
        String request = ctx.methodName() + " " + ctx.path();
        ctx.resetBody();
        if (e instanceof Refused r) {
            write(ctx, r.status(), refused(r.status(), r.getMessage(), request));
            return;
        }
        if (e instanceof HttpException h) { // what Jetty refuses as it reads a request's parts for a route
            write(ctx, h.getCode(), refused(h.getCode(), h.getReason(), request));
            return;
        }
        VmhostException failure = e instanceof VmhostException v ? v : unexpected(e, request);
        if (failure.code().httpStatus() >= 500 && failure.getCause() != null)
            LOG.log(Level.ERROR, request + ": " + failure.getMessage(), failure);
        write(ctx, failure.code().httpStatus(), failure);
    }

    private static void write(Exchange ctx, int status, VmhostException failure) {
        ctx.json(status, ErrorBody.of(failure));
    }

    private static byte[] body(VmhostException failure) {
        return Json.write(ErrorBody.of(failure));
    }

    /** A request the HTTP stack refused with {@code status}; {@code request} is null when it could not be read. */
    private static VmhostException refused(int status, String reason, String request) {
        if (status == 404 && request != null)
            return new VmhostException(ErrorCode.NO_SUCH_ROUTE, "no such API route: " + request);
        if (status >= 400 && status < 500)
            return new VmhostException(ErrorCode.BAD_REQUEST, "request refused: " + (reason == null ? "HTTP " + status : reason));
        return new VmhostException(ErrorCode.INTERNAL, "internal error in xend; details are in its log");
    }

    private static VmhostException unexpected(Exception e, String request) {
        LOG.log(Level.ERROR, "unexpected failure in " + request, e);
        return new VmhostException(ErrorCode.INTERNAL, "internal error in xend; details are in its log");
    }

    /** For Jetty: errors it answers before a request is routed, in the same body instead of an HTML page. */
    static final class BeforeRouting extends ErrorHandler {
        @Override
        protected void generateResponse(Request request, Response response, int status, String message, Throwable cause,
                                        Callback callback) {
            if (cause != null) LOG.log(Level.DEBUG, "request refused by Jetty", cause);
            String what = request.getMethod() + " " + request.getHttpURI().getPath();
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, ApiPaths.JSON);
            response.write(true, ByteBuffer.wrap(body(refused(status, message, status == 404 ? what : null))), callback);
        }
    }
}
