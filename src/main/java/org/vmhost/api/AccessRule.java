package org.vmhost.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.web.WebAssets;

/**
 * Who may do what (docs/security.md). Every request, on every route, is checked here before it is served:
 * HTTP requests before they are routed ({@link #check}), WebSocket upgrades before the socket is made ({@link
 * #checkUpgrade}); {@link ApiHandler} calls both. What both look at is the path as sent, which is also what routes.
 *
 * <ol>
 *   <li>On the UNIX socket the kernel names the peer (SO_PEERCRED): root, xend's own user and members of
 *       {@code unix_sock_group} are administrators; anyone else is refused.</li>
 *   <li>Over TCP the {@code Host} must be one of this host's names and an {@code Origin}, if sent, xend's own:
 *       DNS rebinding and other sites' pages are refused before anything else.</li>
 *   <li>Then credentials, on every route but the login and the files of the login page (which hold no data): {@code Authorization: Bearer <token>} (the admin token
 *       in {@code api.token}, or one made with {@code xm token-create}), or the session cookie of a login,
 *       whose every request but for the GUI's own files must also carry the session's {@code X-CSRF-Token} (a
 *       WebSocket: {@code ?csrf=}). None: 401.</li>
 *   <li>Then the role: a viewer may read, but not change anything, read xend's own log or open a console. A
 *       login session's role is its user's now ({@link AccountRoles}), not the one it logged in with.</li>
 * </ol>
 *
 * <p>A WebSocket is checked when it opens; {@link OpenSockets} closes it when what let it in ends.
 */
final class AccessRule {
    static final String SESSION_COOKIE = "vmhost_session";
    static final String CSRF_HEADER = "X-CSRF-Token";
    /** The same token on a WebSocket upgrade, which a browser's script cannot give a header. */
    static final String CSRF_PARAM = "csrf";
    private static final String CALLER = "vmhost.caller";
    private static final String SESSION_ID = "vmhost.session";
    private static final String METHOD_OVERRIDE = "X-HTTP-Method-Override";

    /** Reads that only an administrator may make: xend's own log, consoles, the token list, who is logged in. */
    private static final List<Pattern> ADMIN_READS = List.of(
            Pattern.compile(Pattern.quote(ApiPaths.DMESG)),
            // consoles, serial and graphical, and their WebSockets: a console types into the guest and shows
            // whatever it prints (passwords typed at a prompt included), so a viewer may not even watch
            Pattern.compile(Pattern.quote(ApiPaths.DOMAINS) + "/[^/]+/(console|vnc)(/ws)?"),
            Pattern.compile(Pattern.quote(ApiPaths.TOKENS) + "(/.*)?"),
            Pattern.compile(Pattern.quote(ApiPaths.SESSIONS) + "(/.*)?"));

    private final TokenFile adminToken;
    private final ApiTokens tokens;
    private final Sessions sessions;
    private final HostCheck hosts;
    private final SocketPeers peers;
    private final AccountRoles roles;
    private final String administrators;

    /**
     * @param adminToken     the token of {@code api.token}, or null without TCP
     * @param hosts          the TCP listener's names, or null without TCP
     * @param roles          a login session's user's role now
     * @param administrators who the administrators are, for the message a viewer gets
     */
    AccessRule(TokenFile adminToken, ApiTokens tokens, Sessions sessions, HostCheck hosts, SocketPeers peers,
               AccountRoles roles, String administrators) {
        this.adminToken = adminToken;
        this.tokens = tokens;
        this.sessions = sessions;
        this.hosts = hosts;
        this.peers = peers;
        this.roles = roles;
        this.administrators = administrators;
    }

    /** Every HTTP request, before it is routed. */
    void check(Exchange ctx) {
        // Frameworks and proxies route by this header; refused, so that the method checked here is the one on the wire
        // wherever the request goes next.
        if (ctx.header(METHOD_OVERRIDE) != null)
            throw new VmhostException(ErrorCode.BAD_REQUEST, "the header " + METHOD_OVERRIDE + " is not supported");
        boolean read = isRead(ctx);
        if (isLogin(ctx) || read && WebAssets.isPublic(ctx.path())) { // the login, and the page that asks for it
            // The socket is its peers' alone, whatever the route: a socket opened to all by hand must not let
            // everyone guess passwords through it.
            if (ctx.onLocalSocket()) peers.identify(ctx);
            else checkNames(ctx);
            return;
        }
        Caller caller = authenticate(ctx, !read, false).caller();
        authorize(caller, !read && !isLogout(ctx), ctx.path());
    }

    /**
     * Every WebSocket upgrade, which {@link #check} does not see: what lets the socket in, for {@link OpenSockets} to
     * check again while it is open.
     */
    OpenSockets.Grant checkUpgrade(Exchange ctx) {
        OpenSockets.Grant grant = authenticate(ctx, false, true); // the Origin check stops other sites' pages; browsers send it
        authorize(grant.caller(), false, ctx.path());
        return grant;
    }

    /** The caller the check admitted. */
    static Caller caller(Exchange ctx) {
        Caller c = (Caller) ctx.attribute(CALLER);
        if (c == null) throw new IllegalStateException("no access check ran for " + ctx.path());
        return c;
    }

    private OpenSockets.Grant authenticate(Exchange ctx, boolean change, boolean upgrade) {
        OpenSockets.Grant grant;
        if (ctx.onLocalSocket()) {
            grant = peers.grant(ctx);
        } else {
            checkNames(ctx);
            grant = fromCredentials(ctx, change, upgrade);
        }
        ctx.attribute(CALLER, grant.caller());
        return grant;
    }

    private void checkNames(Exchange ctx) {
        if (hosts == null) throw new IllegalStateException("a TCP request without a TCP listener");
        hosts.checkHost(ctx.header(HttpHeader.HOST));
        hosts.checkOrigin(ctx.header(HttpHeader.ORIGIN));
    }

    private OpenSockets.Grant fromCredentials(Exchange ctx, boolean change, boolean upgrade) {
        String authorization = ctx.header(HttpHeader.AUTHORIZATION);
        if (authorization != null) {
            if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7))
                throw unauthenticated(ctx, "xend accepts only 'Authorization: Bearer <token>'");
            String token = authorization.substring(7).strip();
            if (adminToken != null && adminToken.accepts("Bearer " + token))
                return OpenSockets.Grant.lasting(new Caller("token:" + TokenFile.NAME, Role.ADMIN, "token"), TokenFile.NAME);
            Caller caller = tokens.find(token)
                    .orElseThrow(() -> unauthenticated(ctx, "the bearer token is not one of xend's (deleted, or mistyped?)"));
            return new OpenSockets.Grant(caller, OpenSockets.Grant.TOKEN + ApiTokens.sha256(token),
                    () -> tokens.find(token).filter(caller::equals).isPresent());
        }
        List<String> cookies = sessionCookies(ctx);
        if (!cookies.isEmpty()) {
            // The cookie alone is not enough for anything but the GUI's own files: a browser sends it to every port
            // of this host (cookies do not tell ports apart), so a local user's web server on another port could
            // collect it. The token the login answered stays with xend's own pages.
            boolean needsToken = change || upgrade || !WebAssets.mayBeFile(ctx.path());
            String csrf = !needsToken ? null : upgrade ? ctx.queryParam(CSRF_PARAM) : ctx.header(CSRF_HEADER);
            // Such a page can also set a cookie of the same name, which the browser then sends beside xend's (first,
            // if its path is longer): the session is the one whose token the request carries, not the first cookie.
            boolean live = false;
            String refusedAccount = null;
            String passwordChanged = null;
            for (String cookie : cookies) {
                Optional<Sessions.Session> session = sessions.find(cookie);
                if (session.isEmpty()) continue;
                live = true;
                if (needsToken && !sameToken(csrf, session.get().csrfToken())) continue;
                Caller opened = session.get().caller();
                Optional<Role> role = roles.now(opened.name(), opened.role());
                if (role.isEmpty()) { // that account is refused now; another cookie may still be the user's own
                    refusedAccount = opened.name();
                    continue;
                }
                if (roles.passwordChanged(opened.name(), opened.role(), session.get().passwordStamp())) {
                    // Ended, not only refused: the password it logged in with is no longer the user's (a leak
                    // mended). Its sockets close at their next recheck.
                    sessions.close(cookie);
                    passwordChanged = opened.name();
                    continue;
                }
                ctx.attribute(SESSION_ID, cookie);
                return grant(cookie, session.get().passwordStamp(), new Caller(opened.name(), role.get(), opened.via()));
            }
            if (passwordChanged != null)
                throw unauthenticated(ctx, "the password of '" + passwordChanged + "' has changed since this session's login; "
                        + "the session has ended: log in again");
            if (refusedAccount != null)
                throw unauthenticated(ctx, "the account '" + refusedAccount + "' is not found, locked or expired now; its session is refused");
            if (!live) throw unauthenticated(ctx, "the login session has ended; log in again");
            if (change)
                throw new VmhostException(ErrorCode.UNAUTHORIZED, "a change in a login session needs the header "
                        + CSRF_HEADER + " with the csrfToken its login answered");
            throw unauthenticated(ctx, "a login session's requests need the csrfToken its login answered ("
                    + (upgrade ? "?" + CSRF_PARAM + "= on a WebSocket" : "the header " + CSRF_HEADER)
                    + "), not its cookie alone; log in again");
        }
        throw unauthenticated(ctx, "xend's API over TCP needs credentials: log in (POST " + ApiPaths.SESSION
                + ") or send 'Authorization: Bearer <token>'");
    }

    /**
     * The values of every session cookie the request carries, in its order. All of them: a page can toss in as many
     * as it likes, each path longer than the last, and each costs only a hash; the header's size bounds them.
     */
    private static List<String> sessionCookies(Exchange ctx) {
        return ctx.cookies(SESSION_COOKIE).stream().filter(v -> v != null && !v.isEmpty()).distinct().toList();
    }

    private static boolean sameToken(String presented, String session) {
        return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                session.getBytes(StandardCharsets.UTF_8));
    }

    /** The id of the login session the request was admitted with, or null (a token, the UNIX socket). */
    static String sessionId(Exchange ctx) {
        return (String) ctx.attribute(SESSION_ID);
    }

    /**
     * A session's grant, with its user's role now (a user who left the administrators' group is a viewer from then
     * on): it holds while the session is open, the role the same and the password the login's. An account not found,
     * locked or expired is refused before this, its session kept, so that a directory service that answers "no such
     * user" while it is down costs no one their session.
     */
    private OpenSockets.Grant grant(String cookie, Optional<String> passwordStamp, Caller caller) {
        return new OpenSockets.Grant(caller, OpenSockets.Grant.SESSION + ApiTokens.sha256(cookie), () -> sessions.find(cookie)
                .isPresent() && roles.now(caller.name(), caller.role()).filter(caller.role()::equals).isPresent()
                && !roles.passwordChanged(caller.name(), caller.role(), passwordStamp));
    }

    private void authorize(Caller caller, boolean change, String path) {
        boolean adminOnly = change || ADMIN_READS.stream().anyMatch(p -> p.matcher(path).matches());
        if (adminOnly && !caller.role().allows(Role.ADMIN))
            throw new VmhostException(ErrorCode.UNAUTHORIZED, "'" + caller.name() + "' is a viewer and may only look; "
                    + (change ? "changes" : "this") + " need an administrator (" + administrators + ")");
    }

    private static VmhostException unauthenticated(Exchange ctx, String message) {
        ctx.header(HttpHeader.WWW_AUTHENTICATE.asString(), "Bearer realm=\"xend\"");
        return new VmhostException(ErrorCode.UNAUTHENTICATED, message);
    }

    private static boolean isLogin(Exchange ctx) {
        return ctx.method() == HttpMethod.POST && ctx.path().equals(ApiPaths.SESSION);
    }

    private static boolean isLogout(Exchange ctx) {
        return ctx.method() == HttpMethod.DELETE && ctx.path().equals(ApiPaths.SESSION);
    }

    private static boolean isRead(Exchange ctx) {
        return (ctx.method() == HttpMethod.GET || ctx.method() == HttpMethod.HEAD) && !upgradesToASession(ctx);
    }

    /**
     * Whether the request asks to switch to another protocol. An offer of HTTP/2 ({@code h2c}, which
     * java.net.http sends with its first request) does not count: this server does not take it up, so the
     * request stays a plain GET.
     */
    private static boolean upgradesToASession(Exchange ctx) {
        String upgrade = ctx.header(HttpHeader.UPGRADE);
        if (upgrade == null) return false;
        for (String protocol : upgrade.split(","))
            if (!protocol.strip().equalsIgnoreCase("h2c")) return true;
        return false;
    }
}
