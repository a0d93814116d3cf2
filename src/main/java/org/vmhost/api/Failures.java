package org.vmhost.api;

import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.lang.System.Logger.Level;
import org.vmhost.api.ResponseBody.ErrorBody;
import org.vmhost.domain.ErrorCode;
import org.vmhost.domain.VmhostException;

/**
 * The one place where an exception becomes a response: the error body, with the HTTP status of its
 * {@link ErrorCode}. A {@link VmhostException} is an answer and is passed on as it is; anything else is a
 * bug in xend, logged with its stack trace and answered {@code INTERNAL} without its details.
 */
final class Failures {
    private static final System.Logger LOG = System.getLogger(Failures.class.getName());

    private Failures() {
    }

    static void respond(Exception e, Context ctx) {
        VmhostException failure = toFailure(e, ctx);
        if (failure.code().httpStatus() >= 500 && failure.getCause() != null)
            LOG.log(Level.ERROR, ctx.method() + " " + ctx.path() + ": " + failure.getMessage(), failure);
        ctx.status(failure.code().httpStatus());
        ctx.contentType(ApiPaths.JSON);
        ctx.result(Json.write(ErrorBody.of(failure)));
    }

    private static VmhostException toFailure(Exception e, Context ctx) {
        return switch (e) {
            case VmhostException v -> v;
            case HttpResponseException h when h.getStatus() == 404 ->
                    new VmhostException(ErrorCode.NO_SUCH_ROUTE, "no such API route: " + ctx.method() + " " + ctx.path());
            case HttpResponseException h when h.getStatus() < 500 -> new VmhostException(ErrorCode.BAD_REQUEST,
                    "request refused: " + h.getMessage());
            default -> {
                LOG.log(Level.ERROR, "unexpected failure in " + ctx.method() + " " + ctx.path(), e);
                yield new VmhostException(ErrorCode.INTERNAL, "internal error in xend; details are in its log");
            }
        };
    }
}
