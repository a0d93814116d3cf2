package org.vmhost.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmhost.api.ApiServer;
import org.vmhost.api.ApiSettings;
import org.vmhost.api.AccessTimes;
import org.vmhost.api.WsProbe;
import org.vmhost.domain.DomainState;
import org.vmhost.domain.FakeDomainService;

/**
 * Logging in over TCP with real host accounts through PAM (/etc/pam.d/vmhost from setup/install.sh): a user in
 * unix_sock_group is an administrator, any other user a viewer; a session's changes need its CSRF token.
 */
@Tag("security")
class LoginSessionTest {
    static final String PASSWORD = "Corr3ct-horse-battery";
    static final HostAccounts accounts = new HostAccounts();
    static String group;
    static String admin;
    static String viewer;

    @TempDir
    static Path home;
    static final FakeDomainService fake = new FakeDomainService().with(FakeDomainService.domain("web1", DomainState.RUNNING));
    static ApiServer server;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        group = accounts.group("adm");
        admin = accounts.user("a", PASSWORD, group);
        viewer = accounts.user("v", PASSWORD);
        server = new ApiServer(fake, ApiSettings.of(home.resolve("run/xend.sock"), home.resolve("api.token"))
                .withTcp("127.0.0.1", 0).withAccess(new ApiSettings.Access(Optional.of(group), List.of(), "vmhost", false)));
        server.start();
    }

    @AfterAll
    static void stop() {
        server.close();
        accounts.close();
    }

    record Reply(int status, JsonNode json, HttpResponse<String> raw) {
    }

    static Reply send(String method, String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.tcpPort().orElseThrow() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) b.headers(headers);
        HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body()), r);
    }

    static Reply login(String user, String password) throws IOException, InterruptedException {
        return send("POST", "/api/v1/session", JSON.createObjectNode().put("user", user).put("password", password).toString(),
                "Content-Type", "application/json");
    }

    static String cookie(Reply login) {
        String setCookie = login.raw().headers().firstValue("Set-Cookie").orElseThrow();
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    @Test
    void aLoginSetsAnHttpOnlySameSiteStrictCookieAndGivesACsrfToken() throws Exception {
        Reply login = login(viewer, PASSWORD);

        assertThat(login.status()).isEqualTo(200);
        assertThat(login.json().path("user").asText()).isEqualTo(viewer);
        assertThat(login.json().path("csrfToken").asText()).matches("[A-Za-z0-9_-]{43}");
        assertThat(login.raw().headers().firstValue("Set-Cookie").orElseThrow())
                .startsWith("vmhost_session=").contains("; HttpOnly").contains("; SameSite=Strict").doesNotContain("Secure");
    }

    @Test
    void aWrongPasswordOrAnUnknownUserIsRefusedAlike() throws Exception {
        Reply wrong = login(viewer, PASSWORD + "x");
        Reply unknown = login("vmhnosuchuser", PASSWORD);

        assertThat(wrong.status()).isEqualTo(401);
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(wrong.json().path("error").path("message").asText()).isEqualTo("login failed: wrong user name or password");
        assertThat(unknown.json()).isEqualTo(wrong.json());
        assertThat(wrong.raw().headers().firstValue("Set-Cookie")).isEmpty();
    }

    @Test
    void aUserOutsideTheGroupIsAViewerWhoMayReadButNotChange() throws Exception {
        Reply login = login(viewer, PASSWORD);
        String cookie = cookie(login);
        String csrf = login.json().path("csrfToken").asText();
        assertThat(login.json().path("role").asText()).isEqualTo("VIEWER");

        Reply read = send("GET", "/api/v1/domains/web1", null, "Cookie", cookie, "X-CSRF-Token", csrf);
        Reply change = send("POST", "/api/v1/domains/web1/pause", null, "Cookie", cookie, "X-CSRF-Token", csrf);
        Reply log = send("GET", "/api/v1/dmesg", null, "Cookie", cookie, "X-CSRF-Token", csrf);

        assertThat(read.status()).isEqualTo(200);
        assertThat(change.status()).isEqualTo(403);
        assertThat(change.json().path("error").path("message").asText()).isEqualTo("'" + viewer + "' is a viewer and may only look; "
                + "changes need an administrator (root, a member of group '" + group + "' or an admin token)");
        assertThat(log.status()).isEqualTo(403);
        assertThat(fake.calls()).doesNotContain("pause web1");
    }

    @Test
    void aMemberOfTheGroupIsAnAdministratorWhoseChangesNeedTheCsrfToken() throws Exception {
        Reply login = login(admin, PASSWORD);
        String cookie = cookie(login);
        String csrf = login.json().path("csrfToken").asText();
        assertThat(login.json().path("role").asText()).isEqualTo("ADMIN");

        Reply withoutCsrf = send("POST", "/api/v1/domains/web1/unpause", null, "Cookie", cookie);
        Reply wrongCsrf = send("POST", "/api/v1/domains/web1/unpause", null, "Cookie", cookie, "X-CSRF-Token", csrf + "x");
        assertThat(withoutCsrf.status()).isEqualTo(403);
        assertThat(withoutCsrf.json().path("error").path("message").asText())
                .isEqualTo("a change in a login session needs the header X-CSRF-Token with the csrfToken its login answered");
        assertThat(wrongCsrf.status()).isEqualTo(403);
        assertThat(fake.calls()).doesNotContain("pause web1", "unpause web1");

        Reply change = send("POST", "/api/v1/domains/web1/pause", null, "Cookie", cookie, "X-CSRF-Token", csrf);
        assertThat(change.status()).isEqualTo(200);
        assertThat(fake.calls()).contains("pause web1");
        assertThat(send("GET", "/api/v1/dmesg", null, "Cookie", cookie, "X-CSRF-Token", csrf).status()).isEqualTo(200);
        assertThat(send("POST", "/api/v1/domains/web1/unpause", null, "Cookie", cookie, "X-CSRF-Token", csrf).status()).isEqualTo(200);
    }

    /**
     * Browsers send a host's cookies to all its ports, so a page that a local user serves on another port of
     * 127.0.0.1 collects the administrator's session cookie. Alone, it must open nothing: no read, no console, and
     * not the token either.
     */
    @Test
    void theSessionCookieAloneOpensNoReadNoWebSocketAndNotTheToken() throws Exception {
        Reply login = login(admin, PASSWORD);
        String cookie = cookie(login);
        String csrf = login.json().path("csrfToken").asText();

        Reply read = send("GET", "/api/v1/domains/web1", null, "Cookie", cookie);
        Reply session = send("GET", "/api/v1/session", null, "Cookie", cookie);
        Reply wrong = send("GET", "/api/v1/domains/web1", null, "Cookie", cookie, "X-CSRF-Token", csrf + "x");
        // (java.net.http will not send an Upgrade header: curl, as a local attacker's script would)
        String ws = "http://127.0.0.1:" + server.tcpPort().orElseThrow() + "/api/v1/domains/web1/console/ws";
        var console = HostAccounts.upgradeWithCookie(cookie, ws);
        var consoleWithToken = HostAccounts.upgradeWithCookie(cookie, ws + "?csrf=" + csrf);
        Reply withToken = send("GET", "/api/v1/session", null, "Cookie", cookie, "X-CSRF-Token", csrf);

        assertThat(read.status()).isEqualTo(401);
        assertThat(read.json().path("error").path("message").asText()).isEqualTo("a login session's requests need the "
                + "csrfToken its login answered (the header X-CSRF-Token), not its cookie alone; log in again");
        assertThat(read.raw().body()).doesNotContain("web1\"");
        assertThat(session.status()).isEqualTo(401);
        assertThat(session.raw().body()).doesNotContain(csrf);
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(HostAccounts.status(console)).isEqualTo(401);
        assertThat(HostAccounts.status(consoleWithToken)).as("the same upgrade with the token").isEqualTo(101);
        assertThat(withToken.status()).isEqualTo(200);
        assertThat(withToken.json().path("user").asText()).isEqualTo(admin);
        assertThat(withToken.raw().body()).as("only the login answers the token").doesNotContain(csrf);
    }

    /**
     * Every API route docs/api/openapi.yaml lists (as GET, HEAD and its own methods), /metrics and an OPTIONS, with the
     * session cookie alone: refused, and nothing done. The GUI's own files are the one thing the cookie alone
     * fetches, a page script for one.
     */
    @Test
    void everyRouteOfTheApiRefusesTheCookieAloneAndOnlyTheGuisFilesTakeIt() throws Exception {
        String cookie = cookie(login(admin, PASSWORD));
        int callsBefore = fake.calls().size();
        JsonNode paths = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readTree(Path.of("docs/api/openapi.yaml").toFile()).path("paths");
        List<String> tried = new java.util.ArrayList<>();
        for (var it = paths.fieldNames(); it.hasNext(); ) {
            String template = it.next();
            if (template.equals("/api/v1/session")) continue; // the login, open by design
            if (!template.startsWith("/api/") && !template.equals("/metrics")) continue; // the GUI's files: below
            String path = template.replaceAll("\\{[a-z]+\\}", "web1");
            java.util.Set<String> methods = new java.util.TreeSet<>(List.of("GET", "HEAD"));
            paths.path(template).fieldNames().forEachRemaining(m -> methods.add(m.toUpperCase(java.util.Locale.ROOT)));
            methods.removeIf(m -> m.equals("PARAMETERS"));
            for (String method : methods) {
                Reply r = send(method, path, method.equals("GET") || method.equals("HEAD") ? null : "{}", "Cookie", cookie,
                        "Content-Type", "application/json");
                assertThat(r.status()).as(method + " " + path).isIn(401, 403);
                tried.add(method + " " + path);
            }
        }
        for (String path : List.of("/metrics", "/metrics/", "/api/v1/domains/")) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + server.tcpPort().orElseThrow() + path)).header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode() + " " + r.body()).as(path).matches("(401|403|404) .*");
        }
        assertThat(send("OPTIONS", "/api/v1/domains", null, "Cookie", cookie).status()).isIn(401, 403);
        assertThat(tried).hasSizeGreaterThan(60);
        assertThat(fake.calls()).as("nothing was done").hasSize(callsBefore);

        URI page = URI.create("http://127.0.0.1:" + server.tcpPort().orElseThrow() + "/pages/domains.js");
        HttpResponse<String> withCookie = HttpClient.newHttpClient().send(HttpRequest.newBuilder(page).header("Cookie", cookie)
                .build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> without = HttpClient.newHttpClient().send(HttpRequest.newBuilder(page).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(withCookie.statusCode()).as("a GUI file with the cookie alone").isEqualTo(200);
        assertThat(withCookie.body()).contains("export function render");
        assertThat(without.statusCode()).as("the same without it").isEqualTo(401);
    }

    @Test
    void afterLogoutTheCookieNoLongerWorks() throws Exception {
        Reply login = login(viewer, PASSWORD);
        String cookie = cookie(login);
        String csrf = login.json().path("csrfToken").asText();
        assertThat(send("GET", "/api/v1/session", null, "Cookie", cookie, "X-CSRF-Token", csrf).json().path("user").asText())
                .isEqualTo(viewer);

        Reply logout = send("DELETE", "/api/v1/session", null, "Cookie", cookie, "X-CSRF-Token", csrf);

        assertThat(logout.status()).isEqualTo(204);
        assertThat(logout.raw().headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
        assertThat(send("GET", "/api/v1/domains", null, "Cookie", cookie, "X-CSRF-Token", csrf).status()).isEqualTo(401);
    }

    /** A session's event stream, opened as the GUI opens it: the cookie, and the token as ?csrf=. */
    static WsProbe events(Reply login) throws Exception {
        int port = server.tcpPort().orElseThrow();
        return WsProbe.open(URI.create("ws://127.0.0.1:" + port + "/api/v1/events/ws?csrf=" + login.json().path("csrfToken").asText()),
                "Cookie", cookie(login), "Origin", "http://127.0.0.1:" + port);
    }

    @Test
    void aLogoutClosesItsSessionsWebSocketsAtOnceAndNoOtherSessions() throws Exception {
        Reply one = login(admin, PASSWORD);
        Reply other = login(admin, PASSWORD);
        WsProbe oneStream = events(one);
        WsProbe otherStream = events(other);
        try {
            assertThat(oneStream.openAfter(java.time.Duration.ofMillis(300))).isTrue();

            send("DELETE", "/api/v1/session", null, "Cookie", cookie(one), "X-CSRF-Token", one.json().path("csrfToken").asText());

            assertThat(oneStream.closedWithin(java.time.Duration.ofSeconds(3)))
                    .isEqualTo("4401 the session that opened this has ended");
            assertThat(otherStream.openAfter(java.time.Duration.ofMillis(300))).as("the other session's stream").isTrue();
        } finally {
            oneStream.ws().abort();
            otherStream.ws().abort();
        }
    }

    @Test
    void aUserWhoLeavesTheGroupIsAViewerFromThenOnAndTheirAdministratorsSocketsClose() throws Exception {
        String leaving = accounts.user("l", PASSWORD, group);
        Reply login = login(leaving, PASSWORD);
        String cookie = cookie(login);
        String csrf = login.json().path("csrfToken").asText();
        assertThat(login.json().path("role").asText()).isEqualTo("ADMIN");
        WsProbe stream = events(login);
        try {
            assertThat(stream.openAfter(java.time.Duration.ofMillis(300))).isTrue();
            assertThat(send("GET", "/api/v1/dmesg", null, "Cookie", cookie, "X-CSRF-Token", csrf).status()).isEqualTo(200);
            leaveTheGroupAndFindAViewer(leaving, cookie, csrf, stream);
        } finally {
            stream.ws().abort();
        }
        WsProbe asViewer = events(login);
        try {
            assertThat(asViewer.openAfter(java.time.Duration.ofMillis(500))).as("the stream a viewer may have").isTrue();
        } finally {
            asViewer.ws().abort();
        }
    }

    private static void leaveTheGroupAndFindAViewer(String leaving, String cookie, String csrf, WsProbe stream) throws Exception {

        org.vmhost.host.HostCommand.of("gpasswd", "-d", leaving, group).run();

        // within the cache of account roles, without a new login
        long deadline = System.nanoTime() + AccessTimes.ROLE_CACHE.plusSeconds(3).toNanos();
        Reply adminRead; // xend's own log: an administrator's read, and no change to the domains other tests use
        do {
            Thread.sleep(250);
            adminRead = send("GET", "/api/v1/dmesg", null, "Cookie", cookie, "X-CSRF-Token", csrf);
        } while (adminRead.status() == 200 && System.nanoTime() < deadline);
        assertThat(adminRead.status()).isEqualTo(403);
        assertThat(adminRead.json().path("error").path("message").asText()).startsWith("'" + leaving + "' is a viewer");
        assertThat(send("GET", "/api/v1/session", null, "Cookie", cookie, "X-CSRF-Token", csrf).json().path("role").asText())
                .isEqualTo("VIEWER");
        assertThat(send("GET", "/api/v1/domains/web1", null, "Cookie", cookie, "X-CSRF-Token", csrf).status()).isEqualTo(200);
        assertThat(stream.closedWithin(AccessTimes.SOCKET_RECHECK.plus(AccessTimes.ROLE_CACHE).plusSeconds(3))).startsWith("4401");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"userdel", "usermod -L", "usermod -e 1"})
    void theSessionOfAnAccountRemovedLockedOrExpiredIsRefused(String command) throws Exception {
        String user = accounts.user("r" + command.length(), PASSWORD);
        Reply login = login(user, PASSWORD);
        String cookie = cookie(login);
        String csrf = login.json().path("csrfToken").asText();
        assertThat(send("GET", "/api/v1/domains", null, "Cookie", cookie, "X-CSRF-Token", csrf).status()).isEqualTo(200);

        List<String> argv = new java.util.ArrayList<>(List.of(command.split(" ")));
        argv.add(user);
        org.vmhost.host.HostCommand.of(argv).run();

        long deadline = System.nanoTime() + AccessTimes.ROLE_CACHE.plusSeconds(3).toNanos();
        Reply read;
        do {
            Thread.sleep(250);
            read = send("GET", "/api/v1/domains", null, "Cookie", cookie, "X-CSRF-Token", csrf);
        } while (read.status() == 200 && System.nanoTime() < deadline);
        assertThat(read.status()).isEqualTo(401);
        assertThat(read.json().path("error").path("message").asText())
                .isEqualTo("the account '" + user + "' is not found, locked or expired now; its session is refused");
        assertThat(read.raw().body()).doesNotContain("web1");
    }

    /**
     * A password changed because it leaked ends every session that logged in with it, and what those hold open; a
     * login with the new one goes on. The session file keeps a stamp of the password, never its hash.
     */
    @Test
    void aPasswordChangeEndsTheSessionsOfTheOldPasswordAndWhatTheyHoldOpen() throws Exception {
        String user = accounts.user("p", PASSWORD, group);
        Reply asking = login(user, PASSWORD);
        Reply holding = login(user, PASSWORD);
        String csrf = asking.json().path("csrfToken").asText();
        WsProbe stream = events(holding);
        try {
            assertThat(stream.openAfter(java.time.Duration.ofMillis(300))).isTrue();
            assertThat(send("GET", "/api/v1/domains", null, "Cookie", cookie(asking), "X-CSRF-Token", csrf).status()).isEqualTo(200);
            String oldHash = shadowHash(user);

            org.vmhost.host.HostCommand.of("chpasswd").input(user + ":N3w-" + PASSWORD + "\n").run();

            long deadline = System.nanoTime() + AccessTimes.ROLE_CACHE.plusSeconds(3).toNanos();
            Reply read;
            do {
                Thread.sleep(250);
                read = send("GET", "/api/v1/domains", null, "Cookie", cookie(asking), "X-CSRF-Token", csrf);
            } while (read.status() == 200 && System.nanoTime() < deadline);
            assertThat(read.status()).isEqualTo(401);
            assertThat(read.json().path("error").path("message").asText()).isEqualTo("the password of '" + user
                    + "' has changed since this session's login; the session has ended: log in again");
            assertThat(read.raw().body()).doesNotContain("web1");
            assertThat(send("GET", "/api/v1/domains", null, "Cookie", cookie(asking), "X-CSRF-Token", csrf).json()
                    .path("error").path("message").asText()).as("ended, not only refused").isEqualTo("the login session has ended; log in again");
            assertThat(stream.closedWithin(AccessTimes.SOCKET_RECHECK.plus(AccessTimes.ROLE_CACHE).plusSeconds(3)))
                    .as("the other session's stream, which made no request").startsWith("4401");
            assertThat(login(user, PASSWORD).status()).as("the old password").isEqualTo(401);

            Reply renewed = login(user, "N3w-" + PASSWORD);
            assertThat(renewed.status()).isEqualTo(200);
            Thread.sleep(AccessTimes.ROLE_CACHE.plusSeconds(1).toMillis()); // past a read of the accounts
            assertThat(send("GET", "/api/v1/domains", null, "Cookie", cookie(renewed), "X-CSRF-Token",
                    renewed.json().path("csrfToken").asText()).status()).as("a session of the new password").isEqualTo(200);
            String stored = java.nio.file.Files.readString(home.resolve("sessions.json"));
            assertThat(stored).contains(user).doesNotContain(oldHash).doesNotContain(shadowHash(user));
        } finally {
            stream.ws().abort();
        }
    }

    /**
     * A session kept by an xend before password stamps has none: after the upgrade it ends at its first request (its
     * password may have changed unseen), once; a new login is stamped.
     */
    @Test
    void aSessionOfAnXendBeforeStampsEndsOnceAfterTheUpgrade(@TempDir Path upgradedHome) throws Exception {
        String user = accounts.user("u", PASSWORD);
        String id = "an-id-of-before-the-upgrade";
        String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(id.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        java.nio.file.Files.writeString(upgradedHome.resolve("sessions.json"), JSON.createObjectNode().set(hash, JSON.createObjectNode()
                .put("user", user).put("role", "VIEWER").put("csrfToken", "csrf-of-before")
                .put("expiresEpochSecond", java.time.Instant.now().plusSeconds(3600).getEpochSecond())).toString());
        ApiServer original = server;
        try (ApiServer upgraded = new ApiServer(fake, ApiSettings.of(upgradedHome.resolve("run/xend.sock"), upgradedHome.resolve("api.token"))
                .withTcp("127.0.0.1", 0).withAccess(new ApiSettings.Access(Optional.of(group), List.of(), "vmhost", false)))) {
            upgraded.start();
            server = upgraded;

            Reply old = send("GET", "/api/v1/domains", null, "Cookie", "vmhost_session=" + id, "X-CSRF-Token", "csrf-of-before");

            assertThat(old.status()).isEqualTo(401);
            assertThat(old.json().path("error").path("message").asText()).startsWith("the password of '" + user + "' has changed");
            Reply renewed = login(user, PASSWORD);
            assertThat(send("GET", "/api/v1/domains", null, "Cookie", cookie(renewed), "X-CSRF-Token",
                    renewed.json().path("csrfToken").asText()).status()).isEqualTo(200);
        } finally {
            server = original;
        }
    }

    /** The password field of the user's shadow entry: its hash. */
    static String shadowHash(String user) {
        return org.vmhost.host.HostCommand.of("getent", "shadow", user).run().strip().split(":")[1];
    }

    /**
     * A page on another port of this host can set a cookie named vmhost_session, which the browser then sends beside
     * xend's, first if its path is longer: junk, or the attacker's own viewer session. Neither locks the user out,
     * and the attacker's session serves only with the attacker's token.
     */
    @Test
    void aSessionCookieTossedInBesideXendsNeitherLocksTheUserOutNorLendsItsSession() throws Exception {
        Reply own = login(admin, PASSWORD);
        Reply attackers = login(viewer, PASSWORD);
        String token = own.json().path("csrfToken").asText();
        String both = cookie(attackers) + "; " + cookie(own);

        // as many as a page likes, each with a longer path than the last, all sent before xend's
        String junk = "vmhost_session=j1; vmhost_session=j2; vmhost_session=j3; vmhost_session=j4; vmhost_session=j5; ";
        Reply junkFirst = send("GET", "/api/v1/session", null, "Cookie", junk + cookie(own), "X-CSRF-Token", token);
        Reply attackersFirst = send("GET", "/api/v1/session", null, "Cookie", both, "X-CSRF-Token", token);
        Reply adminRead = send("GET", "/api/v1/dmesg", null, "Cookie", both, "X-CSRF-Token", token);
        Reply withAttackersToken = send("GET", "/api/v1/session", null, "Cookie", both,
                "X-CSRF-Token", attackers.json().path("csrfToken").asText());
        Reply noToken = send("GET", "/api/v1/domains", null, "Cookie", both);

        assertThat(junkFirst.status()).isEqualTo(200);
        assertThat(junkFirst.json().path("user").asText()).isEqualTo(admin);
        assertThat(attackersFirst.json().path("user").asText()).isEqualTo(admin);
        assertThat(adminRead.status()).isEqualTo(200);
        assertThat(withAttackersToken.json().path("user").asText()).isEqualTo(viewer);
        assertThat(noToken.status()).isEqualTo(401);

        Reply logout = send("DELETE", "/api/v1/session", null, "Cookie", both, "X-CSRF-Token", token);
        assertThat(logout.status()).isEqualTo(204);
        assertThat(send("GET", "/api/v1/session", null, "Cookie", cookie(own), "X-CSRF-Token", token).status())
                .as("the session the request was admitted with has ended").isEqualTo(401);
        assertThat(send("GET", "/api/v1/session", null, "Cookie", cookie(attackers),
                "X-CSRF-Token", attackers.json().path("csrfToken").asText()).status()).as("not the other one").isEqualTo(200);
    }

    /** pam_unix waits about 2 s after each wrong password: logins sent at once from one address overlap. */
    @Test
    void wrongLoginsAtOnceFromOneAddressGetAFewPlacesAndTheRestAreToldWhenToRetry() throws Exception {
        List<java.util.concurrent.CompletableFuture<Reply>> logins = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++)
            logins.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return login(viewer, "not-" + PASSWORD);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, r -> Thread.ofVirtual().start(r)));
        List<Reply> replies = new java.util.ArrayList<>();
        for (var l : logins) replies.add(l.get(60, java.util.concurrent.TimeUnit.SECONDS));

        List<Reply> refused = replies.stream().filter(r -> r.status() == 409).toList();
        assertThat(replies).allSatisfy(r -> assertThat(r.status()).isIn(401, 409));
        assertThat(refused).as("more than 3 at once from 127.0.0.1").isNotEmpty();
        assertThat(refused).allSatisfy(r -> {
            assertThat(r.raw().headers().firstValue("Retry-After")).hasValue("5");
            assertThat(r.json().path("error").path("message").asText())
                    .isEqualTo("too many logins from this host (loopback, uid 0) at once; try again in a few seconds");
        });
        assertThat(login(viewer, PASSWORD).status()).as("a right login afterwards").isEqualTo(200);
    }

    /**
     * Every local user comes from loopback. One who floods the login with wrong passwords (each held ~2 s by
     * pam_unix) fills only their own places: the administrator's login from a browser on this host still gets in.
     */
    @Test
    void aLocalUsersFloodOfLoginsOnLoopbackTakesNotTheAdministratorsPlace() throws Exception {
        String mallory = accounts.user("m", null);
        String uid = org.vmhost.host.HostCommand.of("id", "-u", mallory).run().strip();
        String url = "http://127.0.0.1:" + server.tcpPort().orElseThrow() + "/api/v1/session";
        String guess = JSON.createObjectNode().put("user", admin).put("password", "guess").toString();
        List<java.util.concurrent.CompletableFuture<org.vmhost.host.HostCommand.Result>> flood = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++)
            flood.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> HostAccounts.curlAs(mallory, "-X", "POST",
                    "-H", "Content-Type: application/json", "-d", guess, url), r -> Thread.ofVirtual().start(r)));
        // The first refusal tells that the flood holds its places: its first check alone holds them ~2 s more.
        org.vmhost.host.HostCommand.Result first = (org.vmhost.host.HostCommand.Result) java.util.concurrent.CompletableFuture
                .anyOf(flood.toArray(java.util.concurrent.CompletableFuture[]::new)).get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(HostAccounts.status(first)).as(first.output()).isEqualTo(409);

        Reply own = login(admin, PASSWORD);

        assertThat(own.status()).as(own.raw().body()).isEqualTo(200);
        List<org.vmhost.host.HostCommand.Result> answers = new java.util.ArrayList<>();
        for (var f : flood) answers.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
        assertThat(answers).as("the flood met its own limit").anySatisfy(a -> {
            assertThat(HostAccounts.status(a)).isEqualTo(409);
            assertThat(a.output()).contains("too many logins from this host (loopback, uid " + uid + ") at once");
        });
        assertThat(answers).allSatisfy(a -> assertThat(HostAccounts.status(a)).isIn(401, 409));
    }

    @Test
    void anAdministratorSeesWhoIsLoggedInAndEndsAUsersSessionsWithWhatTheyHoldOpen() throws Exception {
        String user = accounts.user("s", PASSWORD);
        Reply one = login(user, PASSWORD);
        Reply two = login(user, PASSWORD);
        Reply bystander = login(admin, PASSWORD);
        String adminToken = java.nio.file.Files.readString(home.resolve("api.token")).strip();
        WsProbe stream = events(one);
        try {
            Reply list = send("GET", "/api/v1/sessions", null, "Authorization", "Bearer " + adminToken);
            Reply asViewer = send("GET", "/api/v1/sessions", null, "Cookie", cookie(one),
                    "X-CSRF-Token", one.json().path("csrfToken").asText());

            assertThat(list.status()).isEqualTo(200);
            List<String> users = new java.util.ArrayList<>();
            list.json().path("sessions").forEach(e -> users.add(e.path("user").asText()));
            assertThat(users).as("each of the user's sessions").containsSubsequence(user, user).contains(admin);
            assertThat(list.raw().body()).as("never an id or a token").doesNotContain(one.json().path("csrfToken").asText())
                    .doesNotContain(cookie(one).substring(cookie(one).indexOf('=') + 1));
            assertThat(asViewer.status()).isEqualTo(403);
            Reply viewerEnds = send("DELETE", "/api/v1/sessions/" + admin, null, "Cookie", cookie(one),
                    "X-CSRF-Token", one.json().path("csrfToken").asText());
            assertThat(viewerEnds.status()).as("a viewer ends no one's sessions").isEqualTo(403);

            Reply ended = send("DELETE", "/api/v1/sessions/" + user, null, "Authorization", "Bearer " + adminToken);

            assertThat(ended.status()).isEqualTo(200);
            assertThat(ended.json().path("ended").asInt()).isEqualTo(2);
            assertThat(stream.closedWithin(java.time.Duration.ofSeconds(3))).startsWith("4401");
            for (Reply r : List.of(one, two))
                assertThat(send("GET", "/api/v1/domains", null, "Cookie", cookie(r), "X-CSRF-Token", r.json().path("csrfToken").asText())
                        .json().path("error").path("message").asText()).isEqualTo("the login session has ended; log in again");
            assertThat(send("GET", "/api/v1/domains", null, "Cookie", cookie(bystander),
                    "X-CSRF-Token", bystander.json().path("csrfToken").asText()).status()).as("another user's session").isEqualTo(200);
            assertThat(send("DELETE", "/api/v1/sessions/" + user, null, "Authorization", "Bearer " + adminToken)
                    .json().path("ended").asInt()).isZero();
        } finally {
            stream.ws().abort();
        }
    }

    @Test
    void aTossedInSessionOfALockedAccountDoesNotKeepTheUserFromTheGuisFiles() throws Exception {
        String locked = accounts.user("k", PASSWORD);
        Reply theirs = login(locked, PASSWORD);
        Reply own = login(admin, PASSWORD);
        org.vmhost.host.HostCommand.of("usermod", "-L", locked).run();

        HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + server.tcpPort().orElseThrow() + "/pages/domains.js")).header("Cookie", cookie(theirs) + "; " + cookie(own))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("export function render");
    }

    @Test
    void aLoginFromAnotherSitesPageIsRefusedBeforePamIsAsked() throws Exception {
        Reply login = send("POST", "/api/v1/session", "{\"user\":\"" + admin + "\",\"password\":\"" + PASSWORD + "\"}",
                "Content-Type", "application/json", "Origin", "http://evil.example");

        assertThat(login.status()).isEqualTo(403);
        assertThat(login.raw().headers().firstValue("Set-Cookie")).isEmpty();
    }

    @Test
    void overTlsTheSessionCookieIsSecure(@TempDir Path tlsHome) throws Exception {
        ApiSettings settings = ApiSettings.of(tlsHome.resolve("run/xend.sock"), tlsHome.resolve("api.token"))
                .withTcp("127.0.0.1", 0).withAccess(new ApiSettings.Access(Optional.of(group), List.of(), "vmhost", true));
        try (ApiServer tls = new ApiServer(fake, settings)) {
            tls.start();
            java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
            try (var in = java.nio.file.Files.newInputStream(tlsHome.resolve("tls/xend.p12"))) {
                keys.load(in, java.nio.file.Files.readString(tlsHome.resolve("tls/xend.p12.pass")).strip().toCharArray());
            }
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("xend", keys.getCertificate("xend"));
            var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            var ssl = javax.net.ssl.SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);

            HttpResponse<String> login = HttpClient.newBuilder().sslContext(ssl).build().send(HttpRequest.newBuilder(
                            URI.create("https://localhost:" + tls.tcpPort().orElseThrow() + "/api/v1/session"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"" + viewer + "\",\"password\":\"" + PASSWORD + "\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());

            assertThat(login.statusCode()).isEqualTo(200);
            assertThat(login.headers().firstValue("Set-Cookie").orElseThrow()).contains("; HttpOnly").contains("; SameSite=Strict")
                    .endsWith("; Secure");
        }
    }

    @Test
    void aSessionOutlivesAnXendRestartButNotItsLogoutAndItsIdIsNeverStored(@TempDir Path restartHome) throws Exception {
        ApiSettings settings = ApiSettings.of(restartHome.resolve("run/xend.sock"), restartHome.resolve("api.token"))
                .withTcp("127.0.0.1", 0).withAccess(new ApiSettings.Access(Optional.of(group), List.of(), "vmhost", false));
        ApiServer original = server; // send() talks to the server in this field
        FakeDomainService own = new FakeDomainService().with(FakeDomainService.domain("web1", DomainState.RUNNING));
        String kept;
        String keptCsrf;
        String ended;
        String changing = accounts.user("s", PASSWORD);
        Reply ofChanged;
        try (ApiServer first = new ApiServer(own, settings)) {
            first.start();
            server = first;
            Reply a = login(admin, PASSWORD);
            kept = cookie(a);
            keptCsrf = a.json().path("csrfToken").asText();
            Reply b = login(viewer, PASSWORD);
            ended = cookie(b);
            assertThat(send("DELETE", "/api/v1/session", null, "Cookie", ended, "X-CSRF-Token", b.json().path("csrfToken").asText())
                    .status()).isEqualTo(204);
            ofChanged = login(changing, PASSWORD);
        } finally {
            server = original;
        }
        org.vmhost.host.HostCommand.of("chpasswd").input(changing + ":N3w-" + PASSWORD + "\n").run(); // while xend is down
        Path file = restartHome.resolve("sessions.json");
        assertThat(java.nio.file.Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(
                java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        assertThat(java.nio.file.Files.readString(file)).as("the cookie's id is stored only as its hash")
                .doesNotContain(kept.substring(kept.indexOf('=') + 1)).contains(admin).doesNotContain(viewer);

        try (ApiServer second = new ApiServer(own, settings)) {
            second.start();
            server = second;
            assertThat(send("GET", "/api/v1/session", null, "Cookie", kept, "X-CSRF-Token", keptCsrf).json().path("user").asText())
                    .isEqualTo(admin);
            assertThat(send("POST", "/api/v1/domains/web1/pause", null, "Cookie", kept, "X-CSRF-Token", keptCsrf).status())
                    .as("a change with the session and CSRF token of before the restart").isEqualTo(200);
            assertThat(own.calls()).contains("pause web1");
            assertThat(send("GET", "/api/v1/domains", null, "Cookie", ended, "X-CSRF-Token", "any").status())
                    .as("a session logged out before the restart")
                    .isEqualTo(401);
            assertThat(send("GET", "/api/v1/domains", null, "Cookie", cookie(ofChanged), "X-CSRF-Token",
                    ofChanged.json().path("csrfToken").asText()).json().path("error").path("message").asText())
                    .as("a session whose password changed while xend was down")
                    .startsWith("the password of '" + changing + "' has changed since this session's login");
        } finally {
            server = original;
        }
    }
}
