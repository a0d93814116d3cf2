package org.vmhost.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.eclipse.jetty.http.HttpMethod;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmhost.domain.DomainState;
import org.vmhost.error.ErrorCode;
import org.vmhost.domain.FakeDomainService;
import org.vmhost.error.VmhostException;

/** docs/security.md's access model, route by route, over real sockets. */
class ApiAccessTest {
    @TempDir
    Path home;
    ApiFixture api;

    @BeforeEach
    void start() {
        api = new ApiFixture(home, new FakeDomainService().with(FakeDomainService.domain("web1", DomainState.RUNNING)));
    }

    @AfterEach
    void stop() {
        api.close();
    }

    /** Every route xend serves over HTTP but the login, with its path parameters filled in. */
    static Stream<Routes.Route> everyRoute() {
        List<Routes.Route> all = new ArrayList<>(Routes.table(new FakeDomainService()));
        all.addAll(new AccessRoutes(null, null, null, null, false).table());
        return all.stream().filter(r -> !(r.method() == HttpMethod.POST && r.path().equals(ApiPaths.SESSION)));
    }

    static Stream<Routes.Route> changes() {
        return everyRoute().filter(r -> r.method() != HttpMethod.GET);
    }

    private static String path(Routes.Route route) {
        return route.path().replaceAll("\\{[a-z]+\\}", "web1");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyRoute")
    void everyRouteOverTcpWithoutCredentialsAnswers401AndDoesNothing(Routes.Route route) {
        ApiFixture.Reply reply = api.tcp(route.method().name(), path(route), route.method() == HttpMethod.GET ? null : "{}");

        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.errorCode()).isEqualTo("UNAUTHENTICATED");
        assertThat(reply.errorMessage()).isEqualTo("xend's API over TCP needs credentials: log in (POST /api/v1/session) "
                + "or send 'Authorization: Bearer <token>'");
        assertThat(api.fake.calls()).isEmpty();
    }

    /** The service's methods that only read: a GET may call these and nothing else. */
    static final java.util.Set<String> READS = java.util.Set.of("list", "get", "console", "vnc", "hostInfo", "events", "dmesg",
            "listNetworks", "listVifs", "listBlockDevices", "listImages", "imageInfo", "stats", "history", "listVcpus",
            "listSnapshots", "schedCredit", "configText", "listPools");

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyRoute")
    void everyGetCallsOnlyAMethodThatReads(Routes.Route route) {
        if (route.method() != HttpMethod.GET) return;

        api.admin("GET", path(route), null);

        // the routes of access itself (tokens, sessions) answer from xend's own files, not the service
        if (!route.path().startsWith(ApiPaths.TOKENS) && !route.path().startsWith(ApiPaths.SESSION))
            assertThat(api.fake.calls()).as("the GET reached the service").isNotEmpty();
        assertThat(api.fake.calls()).allSatisfy(call -> assertThat(READS).contains(call.split(" ")[0]));
    }

    @Test
    void theDomainListAndADomainsConfigurationNeedCredentialsOverTcp() {
        api.fake.with(FakeDomainService.domain("win1", DomainState.SHUT_OFF));

        assertThat(api.tcp("GET", "/api/v1/domains/win1", null).status()).isEqualTo(401);
        assertThat(api.tcp("GET", "/api/v1/dmesg", null).status()).isEqualTo(401);
        assertThat(api.admin("GET", "/api/v1/domains/win1", null).status()).isEqualTo(200);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void everyChangeWithAViewerTokenIsRefusedAndNotMade(Routes.Route route) {
        String viewer = api.admin("POST", "/api/v1/tokens", "{\"name\":\"look\",\"role\":\"VIEWER\"}").json().path("token").asText();

        ApiFixture.Reply reply = api.bearer(viewer, route.method().name(), path(route), "{}");

        if (route.path().equals(ApiPaths.SESSION)) { // a viewer may log out of a session it has not got
            assertThat(reply.status()).isEqualTo(204);
            return;
        }
        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.errorCode()).isEqualTo("UNAUTHORIZED");
        assertThat(reply.errorMessage()).isEqualTo("'token:look' is a viewer and may only look; changes need an administrator "
                + "(root or an admin token)");
        assertThat(api.fake.calls()).isEmpty();
    }

    @Test
    void aViewerTokenReadsDomainsButNotXendsLogTheConsoleOrTheTokens() {
        String viewer = api.admin("POST", "/api/v1/tokens", "{\"name\":\"look\",\"role\":\"VIEWER\"}").json().path("token").asText();

        assertThat(api.bearer(viewer, "GET", "/api/v1/domains", null).status()).isEqualTo(200);
        assertThat(api.bearer(viewer, "GET", "/api/v1/domains/web1", null).status()).isEqualTo(200);
        assertThat(api.bearer(viewer, "GET", "/api/v1/session", null).json().path("role").asText()).isEqualTo("VIEWER");
        for (String adminOnly : List.of("/api/v1/dmesg", "/api/v1/domains/web1/console", "/api/v1/tokens")) {
            ApiFixture.Reply reply = api.bearer(viewer, "GET", adminOnly, null);
            assertThat(reply.status()).as(adminOnly).isEqualTo(403);
            assertThat(reply.errorMessage()).as(adminOnly).startsWith("'token:look' is a viewer and may only look; this need");
        }
    }

    /** A token file of an xend before makers were kept: its tokens still work, listed with no maker. */
    @Test
    void aTokenOfAnOlderXendStillWorksAndIsListedWithNoMaker() throws IOException {
        String token = "an-older-token-of-43-characters-made-before";
        Files.writeString(home.resolve("api-tokens.json"), "[{\"name\":\"old\",\"role\":\"VIEWER\",\"sha256\":\""
                + ApiTokens.sha256(token) + "\",\"created\":\"2026-01-01T00:00:00Z\"}]");

        assertThat(api.bearer(token, "GET", "/api/v1/domains", null).status()).isEqualTo(200);
        ApiFixture.Reply list = api.admin("GET", "/api/v1/tokens", null);
        assertThat(list.json().path("tokens").get(0).path("madeBy").isNull()).as(list.body()).isTrue();
        assertThat(api.admin("DELETE", "/api/v1/tokens/old", null).status()).isEqualTo(204);
    }

    @Test
    void aTokenIsShownOnceStoredOnlyAsItsHashAndStopsWorkingWhenDeleted() throws IOException {
        ApiFixture.Reply made = api.admin("POST", "/api/v1/tokens", "{\"name\":\"ci\"}");
        String token = made.json().path("token").asText();
        assertThat(made.status()).isEqualTo(201);
        assertThat(made.json().path("role").asText()).isEqualTo("ADMIN");

        assertThat(api.bearer(token, "POST", "/api/v1/domains/web1/pause", null).status()).isEqualTo(200);
        String stored = Files.readString(home.resolve("api-tokens.json"));
        assertThat(stored).doesNotContain(token).contains(ApiTokens.sha256(token));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("api-tokens.json")))).isEqualTo("rw-------");
        ApiFixture.Reply list = api.admin("GET", "/api/v1/tokens", null);
        assertThat(list.body()).doesNotContain(token).doesNotContain(ApiTokens.sha256(token));
        assertThat(list.json().path("tokens").get(0).path("madeBy").asText()).as("made with xend's own token").isEqualTo("token:api.token");

        assertThat(api.admin("DELETE", "/api/v1/tokens/ci", null).status()).isEqualTo(204);
        ApiFixture.Reply after = api.bearer(token, "GET", "/api/v1/domains", null);
        assertThat(after.status()).isEqualTo(401);
        assertThat(after.errorMessage()).isEqualTo("the bearer token is not one of xend's (deleted, or mistyped?)");
    }

    @Test
    void noTokenMayTakeTheNameOfXendsOwn() {
        ApiFixture.Reply made = api.admin("POST", "/api/v1/tokens", "{\"name\":\"api.token\",\"role\":\"VIEWER\"}");

        assertThat(made.status()).isEqualTo(400);
        assertThat(made.errorMessage()).isEqualTo("the name 'api.token' is xend's own token's; choose another");
        assertThat(api.admin("GET", "/api/v1/tokens", null).body()).doesNotContain("api.token");
    }

    @Test
    void aChangeOverTcpWithAWrongTokenIsRefused() {
        ApiFixture.Reply reply = api.tcp("POST", "/api/v1/domains/web1/pause", null,
                "Authorization", "Bearer " + api.token() + "x");

        assertThat(reply.status()).isEqualTo(401);
        assertThat(api.fake.calls()).isEmpty();
    }

    @Test
    void aChangeOverTcpWithTheTokenIsMade() {
        ApiFixture.Reply reply = api.admin("POST", "/api/v1/domains/web1/pause", null);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().path("state").asText()).isEqualTo("PAUSED");
        assertThat(api.fake.calls()).containsExactly("pause web1");
    }

    @Test
    void aDeleteOverTcpWithTheTokenIsMade() {
        api.fake.with(FakeDomainService.domain("old", DomainState.SHUT_OFF));

        ApiFixture.Reply reply = api.admin("DELETE", "/api/v1/domains/old", null);

        assertThat(reply.status()).isEqualTo(204);
        assertThat(reply.body()).isEmpty();
    }

    @Test
    void aForgedHostIsRefusedEvenWithTheToken() {
        ApiFixture.Reply reply = api.rawTcpHost("evil.example", "GET", "/api/v1/domains/web1",
                "Authorization: Bearer " + api.token());

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.errorMessage()).startsWith("the Host 'evil.example' is not a name of this xend");
    }

    @Test
    void anotherSitesOriginIsRefusedEvenWithTheToken() {
        ApiFixture.Reply reply = api.admin("POST", "/api/v1/domains/web1/pause", null, "Origin", "http://evil.example");

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.errorMessage()).isEqualTo("requests from the web page at 'http://evil.example' are refused: "
                + "it is not xend's own origin");
        assertThat(api.fake.calls()).isEmpty();
    }

    @Test
    void xendsOwnOriginAndNamesAreAccepted() {
        assertThat(api.admin("POST", "/api/v1/domains/web1/pause", null, "Origin", api.origin()).status()).isEqualTo(200);
        assertThat(api.rawTcpHost("localhost:8000", "GET", "/api/v1/domains", "Authorization: Bearer " + api.token()).status())
                .isEqualTo(200);
    }

    @Test
    void aGetThatAsksToUpgradeTheConnectionOverTcpNeedsCredentials() {
        ApiFixture.Reply reply = api.rawTcp("GET", "/api/v1/domains/web1", "Upgrade: websocket", "Connection: Upgrade");

        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.errorCode()).isEqualTo("UNAUTHENTICATED");
    }

    @Test
    void aGetThatOffersHttp2IsStillARead() {
        ApiFixture.Reply reply = api.rawTcp("GET", "/api/v1/domains/web1", "Upgrade: h2c", "Connection: Upgrade, HTTP2-Settings",
                "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA", "Authorization: Bearer " + api.token());

        assertThat(reply.status()).isEqualTo(200);
    }

    @Test
    void theMethodOverrideHeaderIsRefusedSoAGetCannotBecomeAChange() {
        ApiFixture.Reply reply = api.admin("GET", "/api/v1/domains/web1", null, "X-HTTP-Method-Override", "DELETE");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.errorMessage()).isEqualTo("the header X-HTTP-Method-Override is not supported");
        assertThat(api.fake.calls()).isEmpty();
    }

    @Test
    void aChangeOnTheUnixSocketByRootNeedsNoToken() {
        assertThat(api.unix("POST", "/api/v1/domains/web1/pause", null).status()).isEqualTo(200);
        assertThat(api.unix("GET", "/api/v1/session", null).json().path("via").asText()).isEqualTo("socket");
        assertThat(api.fake.calls()).containsExactly("pause web1");
    }

    @Test
    void theUnixSocketOnlyItsOwnerMayOpen() throws IOException {
        Path socket = home.resolve("run/xend.sock");

        assertThat(Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).isOther()).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
    }

    @Test
    void theTokenFileIsCreatedPrivateWithARandomToken() throws IOException {
        Path tokenFile = home.resolve("api.token");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile))).isEqualTo("rw-------");
        assertThat(api.token()).matches("[A-Za-z0-9_-]{43}");
    }

    @Test
    void theTokenFileIsNeverWrittenInPlaceSoACrashCannotLeaveItEmpty(@TempDir Path other) throws Exception {
        try (WatchService watch = FileSystems.getDefault().newWatchService()) {
            other.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);

            TokenFile.loadOrCreate(other.resolve("api.token"));

            List<String> seen = new ArrayList<>();
            WatchKey key;
            while ((key = watch.poll(300, TimeUnit.MILLISECONDS)) != null) {
                for (WatchEvent<?> e : key.pollEvents()) seen.add(e.kind().name() + " " + e.context());
                key.reset();
            }
            // renamed into place whole: created once, never created empty and then written
            assertThat(seen).contains("ENTRY_CREATE api.token").doesNotContain("ENTRY_MODIFY api.token");
        }
    }

    @Test
    void anEmptyTokenFileLeftByACrashIsReplacedAndXendStarts(@TempDir Path other) throws IOException {
        Path tokenFile = other.resolve("api.token");
        Files.createFile(tokenFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));

        try (ApiServer server = new ApiServer(new FakeDomainService(), ApiFixture.settings(other).withTcp("127.0.0.1", 0))) {
            server.start();
        }

        assertThat(Files.readString(tokenFile).strip()).matches("[A-Za-z0-9_-]{43}");
    }

    @Test
    void aRestartedServerKeepsTheToken() {
        String token = api.token();
        api.close();

        api = new ApiFixture(home);

        assertThat(api.token()).isEqualTo(token);
        assertThat(api.tcp("POST", "/api/v1/domains", "{\"sourceName\":\"a\",\"configText\":\"name='a'\"}",
                "Authorization", "Bearer " + token).status()).isEqualTo(201);
    }

    @Test
    void aTokenFileThatOthersMayReadIsRefused(@TempDir Path other) throws IOException {
        Path tokenFile = other.resolve("api.token");
        Files.writeString(tokenFile, "s3cret\n");
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-r--r--"));
        ApiServer server = new ApiServer(new FakeDomainService(), ApiSettings.of(other.resolve("xend.sock"), tokenFile)
                .withTcp("127.0.0.1", 0));

        VmhostException e = catchThrowableOfType(VmhostException.class, server::start);

        assertThat(e.code()).isEqualTo(ErrorCode.HOST_FAILED);
        assertThat(e.getMessage()).isEqualTo("API token file " + tokenFile
                + " may be read by others (mode rw-r--r--); make it private with 'chmod 600 " + tokenFile + "'");
        assertThat(other.resolve("xend.sock")).doesNotExist();
    }

    @Test
    void withoutTcpOnlyTheSocketListensAndNoTokenIsMade(@TempDir Path other) {
        try (ApiServer server = new ApiServer(new FakeDomainService(), ApiFixture.settings(other).withoutTcp())) {
            server.start();

            assertThat(server.tcpPort()).isEmpty();
            assertThat(other.resolve("api.token")).doesNotExist();
            assertThat(new ApiClient(server.socket()).list()).hasSize(1);
        }
    }

    @Test
    void aStaleSocketLeftByADeadServerIsReplaced(@TempDir Path other) throws IOException {
        Path socket = other.resolve("run/xend.sock");
        Files.createDirectories(socket.getParent());
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();

        try (ApiServer server = new ApiServer(new FakeDomainService(), ApiFixture.settings(other).withoutTcp())) {
            server.start();

            assertThat(new ApiClient(socket).list()).hasSize(1);
        }
    }

    @Test
    void aSocketPathNearTheLengthLimitWorks(@TempDir Path other) throws IOException {
        String prefix = other.toString() + "/";
        Path dir = Path.of(prefix + "d".repeat(104 - prefix.length() - "/xend.sock".length()));
        Path socket = dir.resolve("xend.sock");
        assertThat(socket.toString()).hasSize(104);

        try (ApiServer server = new ApiServer(new FakeDomainService(),
                new ApiSettings(socket, other.resolve("api.token"), java.util.Optional.empty()))) {
            server.start();

            assertThat(new ApiClient(socket).list()).hasSize(1);
        }
    }

    @Test
    void aSocketOnWhichAnotherServerAnswersIsNotTakenOver() {
        ApiServer second = new ApiServer(new FakeDomainService(), ApiFixture.settings(home).withoutTcp());

        VmhostException e = catchThrowableOfType(VmhostException.class, second::start);

        assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_BUSY);
        assertThat(e.getMessage()).isEqualTo("another server answers on " + home.resolve("run/xend.sock")
                + "; is xend already running?");
        assertThat(api.unix("GET", "/api/v1/domains", null).status()).isEqualTo(200);
    }

    @Test
    void closingRemovesTheSocketAndLeavesNothingElseBehind() throws IOException {
        api.close();

        try (Stream<Path> left = Files.list(home.resolve("run"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aTcpPortInUseFailsTheStartAndLeavesNoSocket(@TempDir Path other) throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            ApiServer server = new ApiServer(new FakeDomainService(),
                    ApiFixture.settings(other).withTcp("127.0.0.1", taken.getLocalPort()));

            VmhostException e = catchThrowableOfType(VmhostException.class, server::start);

            assertThat(e.code()).isEqualTo(ErrorCode.HOST_FAILED);
            assertThat(e.getMessage()).startsWith("xend's API cannot listen on " + other.resolve("run/xend.sock")
                    + " and 127.0.0.1:" + taken.getLocalPort() + ": ");
            try (Stream<Path> left = Files.list(other.resolve("run"))) {
                assertThat(left).isEmpty();
            }
        }
    }
}
