package org.vmhost.api;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.vmhost.domain.DomainService;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * xend's API server: the {@link Routes route table} over HTTP/1.1 and JSON, on a UNIX socket for xm and
 * optionally on TCP (xend's port 8000) for other clients. It parses requests and calls the
 * {@link DomainService}; it holds no state of its own.
 *
 * <p>The UNIX socket is created with mode 0600 without a moment at a wider mode: it is bound in a private
 * directory, given its mode, and renamed into place. A stale socket left by a dead xend is replaced; a socket
 * that still answers is not, so that two xends never share one.
 *
 * <pre>{@code
 * ApiServer server = new ApiServer(service, ApiSettings.of(home.apiSocket(), home.tokenFile()));
 * server.start();
 * ...
 * server.close();
 * }</pre>
 */
public final class ApiServer implements AutoCloseable {
    private static final AtomicInteger PRIVATE_DIRS = new AtomicInteger();

    private final DomainService service;
    private final ApiSettings settings;
    private Server app;
    private Object socketKey;
    private volatile ServerConnector tcpConnector;

    public ApiServer(DomainService service, ApiSettings settings) {
        this.service = Objects.requireNonNull(service, "service");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * Listens on the UNIX socket and, if configured, TCP. Fails with {@code RESOURCE_BUSY} when another
     * server answers on the socket and {@code HOST_FAILED} when a listener cannot be opened.
     */
    public synchronized void start() {
        if (app != null) throw new IllegalStateException("API server already started");
        TokenFile token = settings.tcp().isPresent() ? TokenFile.loadOrCreate(settings.tokenFile()) : null;
        TlsKeys.Store tls = settings.tcp().filter(t -> settings.usesTls())
                .map(t -> TlsKeys.ensure(settings.tlsDir(), t.host())).orElse(null);
        Path socket = settings.socket().toAbsolutePath();
        Path privateDir = null;
        Server started = null;
        try {
            Files.createDirectories(socket.getParent());
            refuseLiveSocket(socket);
            privateDir = createPrivateDir(socket.getParent());
            Path bound = privateDir.resolve("s");
            started = server(bound, token, tls);
            started.start();
            shareWithGroup(bound);
            Files.move(bound, socket, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            socketKey = Files.readAttributes(socket, "unix:ino", LinkOption.NOFOLLOW_LINKS).get("ino");
            app = started;
        } catch (Exception e) {
            stopQuietly(started);
            if (e instanceof VmhostException v) throw v;
            throw new VmhostException(ErrorCode.HOST_FAILED, "xend's API cannot listen on " + describeListeners() + ": "
                    + rootMessage(e) + portHolder(e), e);
        } finally {
            deleteQuietly(privateDir == null ? null : privateDir.resolve("s"));
            deleteQuietly(privateDir);
        }
    }

    /** The TCP port being listened on (useful after asking for port 0), or empty without TCP or before start. */
    public synchronized OptionalInt tcpPort() {
        if (app == null) return OptionalInt.empty();
        for (var connector : app.getConnectors())
            if (connector instanceof ServerConnector tcp) return OptionalInt.of(tcp.getLocalPort());
        return OptionalInt.empty();
    }

    /** The UNIX socket's path. */
    public Path socket() {
        return settings.socket();
    }

    /** Stops listening and removes the socket, unless another server has replaced it since. */
    @Override
    public synchronized void close() {
        if (app == null) return;
        stopQuietly(app);
        app = null;
        Path socket = settings.socket().toAbsolutePath();
        try {
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)
                    && socketKey.equals(Files.readAttributes(socket, "unix:ino", LinkOption.NOFOLLOW_LINKS).get("ino")))
                Files.delete(socket);
        } catch (IOException e) {
            System.getLogger(ApiServer.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot remove API socket " + socket, e);
        }
    }

    /**
     * The socket's mode: 0600 (root's), or 0660 with {@code unix_sock_group}, whose members then also need to
     * pass through the socket's directory (given mode 0710 and the group: they may enter it, not list it).
     */
    private void shareWithGroup(Path bound) throws IOException {
        var group = settings.access().socketGroup();
        if (group.isEmpty()) {
            Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
            return;
        }
        var principal = bound.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group.get());
        Files.getFileAttributeView(bound, java.nio.file.attribute.PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setGroup(principal);
        Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-rw----"));
        Path dir = settings.socket().toAbsolutePath().getParent();
        Files.getFileAttributeView(dir, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(principal);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x---"));
        for (Path above = dir.getParent(); above != null; above = above.getParent()) {
            var mode = Files.getPosixFilePermissions(above);
            boolean groupPasses = mode.contains(java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE)
                    && Files.getAttribute(above, "posix:group").equals(principal);
            if (!mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE) && !groupPasses)
                System.getLogger(ApiServer.class.getName()).log(System.Logger.Level.WARNING, "members of group '" + group.get()
                        + "' cannot reach " + settings.socket() + ": " + above + " is mode " + PosixFilePermissions.toString(mode)
                        + "; give them passage with 'chgrp " + group.get() + " " + above + "; chmod g+x " + above + "'");
        }
    }

    /**
     * Jetty's own server, without its servlet layer: connectors on the UNIX socket and, if configured, TCP (TLS beyond
     * loopback), requests on virtual threads, and {@link ApiHandler} behind the WebSocket upgrades' handler.
     */
    private Server server(Path bound, TokenFile token, TlsKeys.Store tls) {
        // A virtual thread for each of Jetty's tasks, with no bound (0): xend's requests may wait long (a shutdown
        // with -w) and cost little while they do.
        VirtualThreadPool threads = new VirtualThreadPool(0);
        threads.setName("xend-api");
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        // Paths are matched as sent, by ApiHandler and AccessRule alike; Jetty need not refuse the ones it finds
        // ambiguous (an escaped '/'): no route has them.
        http.setUriCompliance(UriCompliance.LEGACY);
        UnixDomainServerConnector unix = new UnixDomainServerConnector(server, new HttpConnectionFactory(http));
        unix.setUnixDomainPath(bound);
        server.addConnector(unix);
        settings.tcp().ifPresent(tcp -> {
            ServerConnector connector = tls == null ? new ServerConnector(server, new HttpConnectionFactory(http))
                    : new ServerConnector(server, new SslConnectionFactory(sslContext(tls), "http/1.1"),
                            new HttpConnectionFactory(https(http)));
            connector.setHost(tcp.host());
            connector.setPort(tcp.port());
            tcpConnector = connector;
            server.addConnector(connector);
        });

        ApiSettings.Access a = settings.access();
        Sessions sessions = new Sessions(settings.sessionsFile());
        ApiTokens tokens = new ApiTokens(settings.tokensFile());
        HostCheck hosts = settings.tcp().map(t -> new HostCheck(t.host(), a.allowedHosts(), tls != null,
                () -> tcpConnector == null ? -1 : tcpConnector.getLocalPort())).orElse(null);
        String administrators = "root" + a.socketGroup().map(g -> ", a member of group '" + g + "'").orElse("") + " or an admin token";
        AccountRoles roles = new AccountRoles(a.socketGroup());
        AccessRule access = new AccessRule(token, tokens, sessions, hosts, new SocketPeers(a.socketGroup()), roles, administrators);
        List<Routes.Route> routes = new java.util.ArrayList<>(Routes.table(service));
        // Every WebSocket is known to OpenSockets, and closed when the login or token that opened it ends.
        OpenSockets sockets = new OpenSockets();
        routes.addAll(new AccessRoutes(new PamLogin(a.pamService(), a.socketGroup(), roles), sessions, tokens, sockets, tls != null).table());
        routes.add(new WebPages(org.vmhost.web.WebAssets.fromClasspath()).route()); // last: "/*" matches what no API route did
        ApiHandler api = new ApiHandler(access, routes, sockets);

        ContextHandler context = new ContextHandler("/");
        WebSocketUpgradeHandler upgrades = WebSocketUpgradeHandler.from(server, context, container -> api.addTo(container, List.of(
                new ApiHandler.SocketRoute(ApiPaths.EVENTS_WS, new EventStream(service)),
                new ApiHandler.SocketRoute(ApiPaths.CONSOLE_WS, new ConsoleSockets(service::console, "serial console")),
                new ApiHandler.SocketRoute(ApiPaths.VNC_WS, new ConsoleSockets(service::vnc, "graphical console")))));
        // Answers of 1,500 bytes or more (the GUI's scripts, long lists, the metrics) compressed for a client that
        // asks, as Javalin did; WebSocket upgrades are not its business. No answer mixes a secret with what a client
        // chose to send (BREACH): the login's and a new token's are fresh each time, and short.
        GzipHandler gzip = new GzipHandler();
        gzip.setMinGzipSize(1500);
        gzip.setHandler(api);
        upgrades.setHandler(gzip);
        context.setHandler(upgrades);
        context.setErrorHandler(new Failures.BeforeRouting());
        server.setHandler(context);
        server.setErrorHandler(new Failures.BeforeRouting());
        return server;
    }

    private static void stopQuietly(Server server) {
        if (server == null) return;
        try {
            server.stop();
        } catch (Exception e) {
            System.getLogger(ApiServer.class.getName()).log(System.Logger.Level.WARNING, "xend's API server did not stop cleanly", e);
        }
    }

    private static SslContextFactory.Server sslContext(TlsKeys.Store tls) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(tls.path().toString());
        ssl.setKeyStoreType("PKCS12");
        ssl.setKeyStorePassword(tls.password());
        return ssl;
    }

    /** HTTPS: a certificate's names are not checked against Host here; {@link HostCheck} decides on names. */
    private static HttpConfiguration https(HttpConfiguration http) {
        HttpConfiguration https = new HttpConfiguration(http);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false);
        https.addCustomizer(secure);
        return https;
    }

    /**
     * A directory only this process may enter, beside the socket, with a short name ({@code .1y2p-1}) so that
     * the socket bound in it ({@code .1y2p-1/s}) is about as long as {@code xend.sock} beside it: UNIX socket
     * paths are limited to 107 bytes.
     */
    private static Path createPrivateDir(Path parent) throws IOException {
        Path dir = parent.resolve("." + Long.toString(ProcessHandle.current().pid(), 36) + "-"
                + Integer.toString(PRIVATE_DIRS.incrementAndGet(), 36));
        deleteQuietly(dir.resolve("s")); // left by a crashed process that had the same pid
        deleteQuietly(dir);
        return Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /** Refuses to take over a socket on which a server still answers. */
    private static void refuseLiveSocket(Path socket) {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) return;
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return; // nobody listens: a stale socket, replaced when the new one is moved into place
        }
        throw new VmhostException(ErrorCode.RESOURCE_BUSY,
                "another server answers on " + socket + "; is xend already running?");
    }

    private String describeListeners() {
        return settings.socket() + settings.tcp().map(t -> " and " + t.host() + ":" + t.port()).orElse("");
    }

    /**
     * Who holds xend's TCP port, when that is why it cannot listen: a local user's server there while xend was down
     * would be sent the GUI's logins (browsers tell origins by host and port only), so the message names them.
     */
    private String portHolder(Throwable e) {
        if (!(rootCause(e) instanceof java.net.BindException) || settings.tcp().isEmpty()) return "";
        ApiSettings.Tcp tcp = settings.tcp().get();
        java.util.OptionalInt uid = new LoopbackUsers().listenerOf(tcp.host(), tcp.port());
        if (uid.isEmpty()) return "";
        String user = LoopbackUsers.accountName(uid.getAsInt()).orElse("?");
        return "; port " + tcp.port() + " is held by user '" + user + "' (uid " + uid.getAsInt() + ")"
                + (uid.getAsInt() == 0 ? "" : ": if that is not a server of your own, it may be one waiting for the GUI's "
                + "logins; stop it, then start xend");
    }

    private static String rootMessage(Throwable e) {
        Throwable root = rootCause(e);
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }

    private static Throwable rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root;
    }

    private static void deleteQuietly(Path path) {
        if (path == null) return;
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // a leftover private directory holds nothing; it is not worth failing for
        }
    }
}
