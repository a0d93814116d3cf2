package org.vmhost.api;

import org.eclipse.jetty.http.HttpMethod;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.web.WebAssets;

/**
 * The web GUI's files at {@code /} (everything outside {@code /api/} and {@code /metrics}), on the TCP listener
 * only. {@link AccessRule}
 * lets the login page's files through without credentials and asks a login for the rest, as for any read.
 */
final class WebPages {
    private final WebAssets assets;

    WebPages(WebAssets assets) {
        this.assets = assets;
    }

    Routes.Route route() {
        return new Routes.Route(HttpMethod.GET, Routes.Route.ANY, java.util.Set.of(), this::serve);
    }

    private void serve(Exchange ctx) {
        String path = ctx.path();
        // The GUI is for browsers, on the TCP listener; the UNIX socket is xm's and answers API routes only.
        if (!WebAssets.isWebPath(path) || ctx.onLocalSocket())
            throw new VmhostException(ErrorCode.NO_SUCH_ROUTE, "no such API route: GET " + path);
        WebAssets.Asset asset = assets.find(path)
                .orElseThrow(() -> new VmhostException(ErrorCode.NO_SUCH_ROUTE, "no such page or file: GET " + path));
        ctx.status(200);
        ctx.contentType(asset.contentType());
        ctx.header("Content-Security-Policy", WebAssets.CONTENT_SECURITY_POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-cache");
        ctx.result(asset.bytes());
    }
}
