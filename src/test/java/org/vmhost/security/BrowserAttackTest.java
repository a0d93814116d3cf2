package org.vmhost.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.vmhost.api.ApiServer;
import org.vmhost.api.ApiSettings;
import org.vmhost.domain.FakeDomainService;

/**
 * A web page in a real browser (Debian's Chromium, headless, through chromedriver) while its user is logged in
 * to xend in the same browser. The attacker's page, on another origin (127.0.0.2), and the same script after a
 * DNS rebinding (evil.example resolving to 127.0.0.1, xend's own port) try to read a domain's configuration and
 * start it, with and without the user's cookie, over fetch and WebSocket. Every attempt fails: the page reads
 * nothing and xend does nothing; the same operations from xend's own origin by the logged-in user work.
 */
@Tag("security")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrowserAttackTest {
    static final String PASSWORD = "Br0wser-test-passw0rd";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HostAccounts accounts = new HostAccounts();

    @TempDir
    static Path home;
    @TempDir
    static Path profile;
    static final FakeDomainService fake = new FakeDomainService().with(LocalUserAttackTest.win1());
    static ApiServer xend;
    static HttpServer attacker;
    static ChromeDriver browser;
    static String admin;
    static String csrf;

    @BeforeAll
    static void start() throws Exception {
        String group = accounts.group("b");
        admin = accounts.user("b", PASSWORD, group);
        xend = new ApiServer(fake, ApiSettings.of(home.resolve("run/xend.sock"), home.resolve("api.token"))
                .withTcp("127.0.0.1", 0).withAccess(new ApiSettings.Access(Optional.of(group), List.of(), "vmhost", false)));
        xend.start();

        attacker = HttpServer.create(new InetSocketAddress("127.0.0.2", 0), 0);
        attacker.createContext("/", exchange -> {
            byte[] page = "<!doctype html><title>cute cats</title><p>nothing to see".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        attacker.start();

        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable",
                "--user-data-dir=" + profile, "--host-resolver-rules=MAP evil.example 127.0.0.1");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));

        // The victim logs in to xend in this browser: the session cookie is there for every attack below.
        browser.get(xend() + "/api/v1/session");
        JsonNode login = run("""
                const r = await fetch('/api/v1/session', {method: 'POST', headers: {'Content-Type': 'application/json'},
                    body: JSON.stringify({user: arguments[0], password: arguments[1]})});
                return {status: r.status, body: await r.json()};""", admin, PASSWORD);
        assertThat(login.path("status").asInt()).isEqualTo(200);
        assertThat(login.path("body").path("role").asText()).isEqualTo("ADMIN");
        csrf = login.path("body").path("csrfToken").asText();
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.quit();
        if (attacker != null) attacker.stop(0);
        if (xend != null) xend.close();
        accounts.close();
    }

    static String xend() {
        return "http://127.0.0.1:" + xend.tcpPort().orElseThrow();
    }

    /** Runs an async function body in the current page with the given arguments and gives what it returned. */
    static JsonNode run(String body, Object... args) throws Exception {
        String script = "const done = arguments[arguments.length - 1];\n"
                + "(async function() {\n" + body + "\n}).apply(null, Array.from(arguments).slice(0, -1))"
                + ".then(v => done(JSON.stringify(v)), e => done(JSON.stringify({thrown: String(e)})));";
        Object result = ((JavascriptExecutor) browser).executeAsyncScript(script, args);
        return JSON.readTree((String) result);
    }

    /** The attacks a page can make on xend at {@code base}: reads and a start, with and without credentials. */
    static final String ATTACKS = """
            const base = arguments[0];
            const out = {};
            async function attempt(name, f) {
              try { const r = await f(); out[name] = {status: r.status, type: r.type, body: await r.text()}; }
              catch (e) { out[name] = {error: String(e)}; }
            }
            await attempt('read', () => fetch(base + '/api/v1/domains/win1'));
            await attempt('readWithCookie', () => fetch(base + '/api/v1/domains/win1', {credentials: 'include'}));
            await attempt('list', () => fetch(base + '/api/v1/domains', {credentials: 'include'}));
            await attempt('startSimple', () => fetch(base + '/api/v1/domains/win1/start', {method: 'POST', mode: 'no-cors',
                credentials: 'include', headers: {'Content-Type': 'text/plain'}, body: '{}'}));
            await attempt('startJson', () => fetch(base + '/api/v1/domains/win1/start', {method: 'POST',
                credentials: 'include', headers: {'Content-Type': 'application/json'}, body: '{}'}));
            out.socket = await new Promise(resolve => {
              const got = [];
              const ws = new WebSocket(base.replace('http', 'ws') + '/api/v1/events/ws');
              ws.onmessage = m => got.push(m.data);
              ws.onclose = () => resolve({opened: false, messages: got});
              ws.onopen = () => setTimeout(() => { ws.close(); resolve({opened: true, messages: got}); }, 1500);
              setTimeout(() => resolve({timeout: true, messages: got}), 5000);
            });
            return out;""";

    static void assertNothingLeaked(JsonNode out) {
        for (String name : List.of("read", "readWithCookie", "list", "startSimple", "startJson")) {
            JsonNode r = out.path(name);
            assertThat(r.toString()).as(name).doesNotContain("configText").doesNotContain("win1\\\"").doesNotContain("s3cret");
            if (r.has("status") && r.path("type").asText().equals("basic"))
                assertThat(r.path("status").asInt()).as(name).isIn(401, 403);
        }
        assertThat(out.path("socket").path("opened").asBoolean()).as("WebSocket opened").isFalse();
        assertThat(out.path("socket").path("messages")).as("WebSocket messages").isEmpty();
    }

    @Test
    @Order(1)
    void anotherSitesPageReadsNothingAndStartsNothing() throws Exception {
        browser.get("http://127.0.0.2:" + attacker.getAddress().getPort() + "/");

        JsonNode out = run(ATTACKS, xend());

        assertNothingLeaked(out);
        assertThat(out.path("read").has("error")).as("the browser let the page read a cross-origin answer").isTrue();
        assertThat(fake.calls()).noneMatch(c -> c.startsWith("start"));
        assertThat(fake.get("win1").state().name()).isEqualTo("SHUT_OFF");
    }

    @Test
    @Order(2)
    void aPageOnAReboundNameReadsNothingAndStartsNothing() throws Exception {
        // After the rebinding evil.example is 127.0.0.1: the page's script and xend share an origin to the browser.
        String rebound = "http://evil.example:" + xend.tcpPort().orElseThrow();
        browser.get(rebound + "/");

        JsonNode out = run(ATTACKS, rebound);

        assertNothingLeaked(out);
        assertThat(out.path("read").path("status").asInt()).isEqualTo(403);
        assertThat(out.path("read").path("body").asText()).contains("the Host 'evil.example:");
        assertThat(fake.calls()).noneMatch(c -> c.startsWith("start"));
        assertThat(fake.get("win1").state().name()).isEqualTo("SHUT_OFF");
    }

    /**
     * A local user's web server on another port of 127.0.0.1, which the browser visits at {@code paths} in turn: it
     * answers each with a page, and "/" also with {@code setCookie} when that is not null. Gives the Cookie header the
     * browser sent with the last visit.
     */
    static String visitAnotherPort(String setCookie, String... paths) throws IOException {
        java.util.concurrent.atomic.AtomicReference<String> sent = new java.util.concurrent.atomic.AtomicReference<>();
        HttpServer local = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        local.createContext("/", exchange -> {
            // (not the favicon the browser asks for after a page)
            if (exchange.getRequestURI().getPath().equals(paths[paths.length - 1]))
                sent.set(exchange.getRequestHeaders().getFirst("Cookie"));
            if (setCookie != null && exchange.getRequestURI().getPath().equals("/"))
                exchange.getResponseHeaders().add("Set-Cookie", setCookie);
            byte[] page = "<!doctype html><title>a link</title>".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        local.start();
        try {
            for (String path : paths) browser.get("http://127.0.0.1:" + local.getAddress().getPort() + path);
        } finally {
            local.stop(0);
        }
        return sent.get();
    }

    @Test
    @Order(3)
    void theLoggedInUserOnXendsOwnOriginReadsAndStarts() throws Exception {
        browser.get(xend() + "/api/v1/session");

        JsonNode out = run("""
                const read = await fetch('/api/v1/domains/win1', {headers: {'X-CSRF-Token': arguments[0]}});
                const noCsrf = await fetch('/api/v1/domains/win1/start', {method: 'POST',
                    headers: {'Content-Type': 'application/json'}, body: '{}'});
                const start = await fetch('/api/v1/domains/win1/start', {method: 'POST',
                    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': arguments[0]}, body: '{}'});
                const socket = await new Promise(resolve => {
                  const ws = new WebSocket(location.origin.replace('http', 'ws') + '/api/v1/events/ws?csrf='
                      + encodeURIComponent(arguments[0]));
                  ws.onmessage = m => { ws.close(); resolve({opened: true, first: m.data}); };
                  ws.onclose = () => resolve({opened: false});
                  setTimeout(() => resolve({timeout: true}), 5000);
                });
                return {read: {status: read.status, body: await read.json()}, noCsrf: noCsrf.status,
                        start: start.status, socket};""", csrf);

        assertThat(out.path("read").path("status").asInt()).isEqualTo(200);
        assertThat(out.path("read").path("body").path("configText").asText()).contains("vncpasswd = \"XXXXXXXX\"").doesNotContain("s3cret");
        assertThat(out.path("noCsrf").asInt()).isEqualTo(403);
        assertThat(out.path("start").asInt()).isEqualTo(200);
        assertThat(fake.calls()).contains("start win1 paused=false");
        assertThat(out.path("socket").path("first").asText()).contains("\"domain\":\"win1\"");
    }

    /**
     * A local user's web server on another port of 127.0.0.1: the browser sends it xend's session cookie (cookies do
     * not tell ports apart). With that cookie the local user reads nothing, learns no token and opens no console.
     */
    @Test
    @Order(4)
    void aPageOnAnotherPortOfThisHostGetsTheCookieButTheCookieAloneOpensNothing() throws Exception {
        String sent = visitAnotherPort(null, "/");
        String cookie = sent;
        assertThat(cookie).as("the browser sent xend's cookie to another port of the host").contains("vmhost_session=");

        var client = java.net.http.HttpClient.newHttpClient();
        java.util.function.Function<String, java.net.http.HttpResponse<String>> get = path -> {
            try {
                return client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(xend() + path))
                        .header("Cookie", cookie).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
        for (String path : List.of("/api/v1/domains/win1", "/api/v1/domains", "/api/v1/session", "/api/v1/dmesg")) {
            var r = get.apply(path);
            assertThat(r.statusCode()).as(path).isEqualTo(401);
            assertThat(r.body()).as(path).doesNotContain("configText").doesNotContain(csrf).doesNotContain("win1\"");
        }
        var console = HostAccounts.upgradeWithCookie(cookie, xend() + "/api/v1/events/ws");
        assertThat(HostAccounts.status(console)).as("the event stream with the cookie alone").isEqualTo(401);
    }

    /**
     * The same local user's server sets a cookie named vmhost_session with a longer path: the browser keeps it beside
     * xend's (ports are not told apart) and sends it first to xend's API. The user is not locked out by it.
     */
    @Test
    @Order(5)
    void aSessionCookieTossedInFromAnotherPortDoesNotLockTheUserOut() throws Exception {
        String sent = visitAnotherPort("vmhost_session=tossed; Path=/api; HttpOnly", "/", "/api/check");
        assertThat(sent).as("the browser sends the tossed cookie first, beside xend's")
                .startsWith("vmhost_session=tossed; vmhost_session=");

        browser.get(xend() + "/api/v1/session");
        JsonNode out = run("""
                const who = await fetch('/api/v1/session', {headers: {'X-CSRF-Token': arguments[0]}});
                const socket = await new Promise(resolve => {
                  const ws = new WebSocket(location.origin.replace('http', 'ws') + '/api/v1/events/ws?csrf='
                      + encodeURIComponent(arguments[0]));
                  ws.onopen = () => { ws.close(); resolve({opened: true}); };
                  ws.onclose = () => resolve({opened: false});
                  setTimeout(() => resolve({timeout: true}), 5000);
                });
                return {status: who.status, body: await who.json(), socket};""", csrf);

        assertThat(out.path("status").asInt()).isEqualTo(200);
        assertThat(out.path("body").path("user").asText()).isEqualTo(admin);
        assertThat(out.path("socket").path("opened").asBoolean()).as("the event stream").isTrue();
    }
}
