package org.vmhost.api;

import org.eclipse.jetty.http.HttpMethod;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.vmhost.api.ResponseBody.NewToken;
import org.vmhost.api.ResponseBody.SessionInfo;
import org.vmhost.api.ResponseBody.SessionList;
import org.vmhost.api.ResponseBody.SessionsEnded;
import org.vmhost.api.ResponseBody.TokenList;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * The routes of access itself: logging in and out, and bearer tokens. Who may call them is decided by
 * {@link AccessRule} like every other route (the login is the one route open without credentials).
 */
final class AccessRoutes {
    /** When a login refused for a full queue may try again: about two logins' worth of pam_unix's delay. */
    static final String RETRY_AFTER_SECONDS = "5";

    private final PamLogin pam;
    private final Sessions sessions;
    private final ApiTokens tokens;
    private final OpenSockets sockets;
    private final boolean secureCookie;
    private final LoopbackUsers loopback = new LoopbackUsers();

    /** @param sockets the open WebSockets, closed with the session or token that opened them */
    AccessRoutes(PamLogin pam, Sessions sessions, ApiTokens tokens, OpenSockets sockets, boolean secureCookie) {
        this.pam = pam;
        this.sessions = sessions;
        this.tokens = tokens;
        this.sockets = sockets;
        this.secureCookie = secureCookie;
    }

    List<Routes.Route> table() {
        return List.of(
            new Routes.Route(HttpMethod.POST,   ApiPaths.SESSION, Set.of(), this::login),
            new Routes.Route(HttpMethod.GET,    ApiPaths.SESSION, Set.of(), this::whoAmI),
            new Routes.Route(HttpMethod.DELETE, ApiPaths.SESSION, Set.of(), this::logout),
            new Routes.Route(HttpMethod.GET,    ApiPaths.SESSIONS, Set.of(), ctx -> ctx.json(200, new SessionList(
                    sessions.live().stream().map(s -> new SessionList.SessionSummary(s.caller().name(), s.caller().role(),
                            s.expires().toString())).toList()))),
            new Routes.Route(HttpMethod.DELETE, ApiPaths.USER_SESSIONS, Set.of(), this::endSessions),
            new Routes.Route(HttpMethod.POST,   ApiPaths.TOKENS,  Set.of(), this::createToken),
            new Routes.Route(HttpMethod.GET,    ApiPaths.TOKENS,  Set.of(), ctx -> ctx.json(200, new TokenList(
                    tokens.list().stream().map(e -> new TokenList.TokenSummary(e.name(), e.role(), e.created(),
                            java.util.Optional.ofNullable(e.madeBy()))).toList()))),
            new Routes.Route(HttpMethod.DELETE, ApiPaths.TOKEN,   Set.of(), ctx -> {
                ApiTokens.Entry deleted = tokens.delete(ctx.pathParam("name"));
                sockets.end(OpenSockets.Grant.TOKEN + deleted.sha256()); // its consoles and event streams end with it
                ctx.status(204);
            }));
    }

    private void login(Exchange ctx) {
        RequestBody.Login body = Json.readRequest(ctx.bodyAsBytes(), RequestBody.Login.class);
        PamLogin.Login login;
        try {
            login = pam.authenticate(body.user(), body.password(), from(ctx));
        } catch (VmhostException e) {
            if (e.code() == ErrorCode.RESOURCE_BUSY) ctx.header("Retry-After", RETRY_AFTER_SECONDS); // a queue was full
            throw e;
        }
        Caller caller = login.caller();
        String id = sessions.open(caller, login.passwordStamp());
        Sessions.Session session = sessions.find(id).orElseThrow();
        ctx.header("Set-Cookie", AccessRule.SESSION_COOKIE + "=" + id + "; Path=/; HttpOnly; SameSite=Strict"
                + "; Max-Age=" + Sessions.LIFETIME.toSeconds() + (secureCookie ? "; Secure" : ""));
        System.getLogger(AccessRoutes.class.getName()).log(System.Logger.Level.INFO,
                "login: '" + caller.name() + "' as " + caller.role().name().toLowerCase(java.util.Locale.ROOT));
        ctx.json(200, new SessionInfo(caller.name(), caller.role(), "session", session.csrfToken()));
    }

    /** Where a login comes from, as its places in the queue are counted ({@link PamLogin#authenticate}). */
    private String from(Exchange ctx) {
        if (ctx.onLocalSocket()) return "local";
        String remote = ctx.remoteAddress();
        OptionalInt uid = loopback.uidOf(remote, ctx.remotePort(), ctx.localAddress(), ctx.localPort());
        return uid.isPresent() ? PamLogin.loopbackUser(uid.getAsInt()) : remote;
    }

    /** Who is asking. Never the CSRF token: only the login answers it, so that a stolen cookie cannot ask for it. */
    private void whoAmI(Exchange ctx) {
        Caller caller = AccessRule.caller(ctx);
        ctx.json(200, new SessionInfo(caller.name(), caller.role(), caller.via(), null));
    }

    private void logout(Exchange ctx) {
        String id = AccessRule.sessionId(ctx); // the one admitted, not a cookie of the same name tossed in beside it
        if (id != null) {
            sessions.close(id);
            sockets.end(OpenSockets.Grant.SESSION + ApiTokens.sha256(id)); // its consoles and event streams end with it
        }
        ctx.header("Set-Cookie", AccessRule.SESSION_COOKIE + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
                + (secureCookie ? "; Secure" : ""));
        ctx.status(204);
    }

    /** Ends every session of a user (a password that leaked, an account to be locked), and what they hold open. */
    private void endSessions(Exchange ctx) {
        String user = ctx.pathParam("user");
        List<String> ended = sessions.closeAll(user);
        ended.forEach(hash -> sockets.end(OpenSockets.Grant.SESSION + hash));
        System.getLogger(AccessRoutes.class.getName()).log(System.Logger.Level.INFO, ended.size() + " session(s) of '"
                + user.replaceAll("[^\\x21-\\x7e]", "?") + "' ended by '" + AccessRule.caller(ctx).name() + "'");
        ctx.json(200, new SessionsEnded(user, ended.size()));
    }

    private void createToken(Exchange ctx) {
        RequestBody.CreateToken body = Json.readRequest(ctx.bodyAsBytes(), RequestBody.CreateToken.class);
        String token = tokens.create(body.name(), body.role(), AccessRule.caller(ctx).name());
        ApiTokens.Entry entry = tokens.list().stream().filter(e -> e.name().equals(body.name())).findFirst().orElseThrow();
        System.getLogger(AccessRoutes.class.getName()).log(System.Logger.Level.INFO, "token '" + body.name() + "' ("
                + body.role().name().toLowerCase(java.util.Locale.ROOT) + ") made by '" + AccessRule.caller(ctx).name() + "'");
        ctx.json(201, new NewToken(entry.name(), entry.role(), entry.created(), token));
    }
}
