package org.vmhost.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The GUI's files, read from the classpath under {@code /web} (src/main/web, and the npm libraries the build
 * copies to {@code /web/vendor}). Paths are checked before they reach the class loader: only plain names of
 * letters, digits, {@code . _ -} separated by single slashes, no dot files, no {@code ..}.
 *
 * <pre>{@code
 * WebAssets web = WebAssets.fromClasspath();
 * web.find("/app.js").ifPresent(a -> send(a.contentType(), a.bytes()));
 * }</pre>
 */
public final class WebAssets {
    /**
     * The files a browser needs to show the login page, served without credentials. They hold no data: every
     * page fetches what it shows through the API, after the login. Everything else needs a session.
     */
    private static final Set<String> PUBLIC = Set.of("/", "/index.html", "/app.js", "/api.js", "/style.css",
            "/pages/login.js", "/favicon.svg");

    /**
     * The pages' Content-Security-Policy: scripts, styles, images and connections (fetch, WebSocket) from xend
     * only, no plugins, no framing, no foreign form targets. Inline styles are allowed because xterm.js inserts
     * a style element for its theme; inline scripts are not.
     */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; "
            + "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    private static final Pattern SAFE_PATH = Pattern.compile("(/[A-Za-z0-9_-][A-Za-z0-9._-]*)+|/");
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("json", "application/json"),
            Map.entry("map", "application/json"),
            Map.entry("woff2", "font/woff2"),
            Map.entry("txt", "text/plain; charset=utf-8"));

    /** One file to send. */
    public record Asset(String path, String contentType, byte[] bytes) {
    }

    private final String root;
    /** The files found so far; never a miss, or any caller could fill the heap with names of files that are not. */
    private final Map<String, Asset> cache = new ConcurrentHashMap<>();

    private WebAssets(String root) {
        this.root = root;
    }

    /** The files packaged in the jar under {@code /web}. */
    public static WebAssets fromClasspath() {
        return new WebAssets("web");
    }

    /** Whether {@code path} is one of the files the login page needs, open without credentials. */
    public static boolean isPublic(String path) {
        return PUBLIC.contains(path);
    }

    /**
     * Whether {@code path} can name one of the GUI's files: plain, with an extension, and neither the API's nor the
     * metrics'. What a login session's cookie alone may fetch, so this is an allow-list: a route added later is not
     * one of these unless it looks like a file.
     */
    public static boolean mayBeFile(String path) {
        return plainFile(path) && isWebPath(path) && !path.startsWith("/metrics");
    }

    /** A path of plain names, no {@code ..}, ending in a name with an extension: what {@link #find} may read. */
    private static boolean plainFile(String path) {
        return path != null && SAFE_PATH.matcher(path).matches() && !path.contains("..") && !extension(path).isEmpty();
    }

    /** Whether {@code path} is the GUI's rather than the API's ({@code /api/...}, {@code /metrics}). */
    public static boolean isWebPath(String path) {
        return !path.startsWith("/api/") && !path.equals("/api") && !path.equals("/metrics");
    }

    /** The file at {@code path} ({@code /} is {@code index.html}), or empty if there is none or the path is not plain. */
    public Optional<Asset> find(String path) {
        String file = "/".equals(path) ? "/index.html" : path;
        // (without an extension: a directory, which reads as its listing from target/classes)
        if (!plainFile(file)) return Optional.empty();
        Asset cached = cache.get(file);
        if (cached != null) return Optional.of(cached);
        Optional<Asset> loaded = load(file);
        loaded.ifPresent(a -> cache.putIfAbsent(file, a));
        return loaded;
    }

    /** How many files are kept in memory. */
    int cached() {
        return cache.size();
    }

    private Optional<Asset> load(String file) {
        String type = TYPES.getOrDefault(extension(file), "application/octet-stream");
        try (InputStream in = WebAssets.class.getClassLoader().getResourceAsStream(root + file)) {
            if (in == null) return Optional.empty();
            return Optional.of(new Asset(file, type, in.readAllBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the GUI's file " + root + file + " from the jar", e);
        }
    }

    private static String extension(String file) {
        int dot = file.lastIndexOf('.');
        return dot < file.lastIndexOf('/') ? "" : file.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
