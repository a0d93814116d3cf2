package org.vmhost.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.javalin.http.HandlerType;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

/** "The API refuses unauthenticated changes from anywhere but the local root socket", over real sockets. */
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

    @Test
    void aReadOverTcpNeedsNoToken() {
        assertThat(api.tcp("GET", "/api/v1/domains", null).status()).isEqualTo(200);
        assertThat(api.tcp("GET", "/api/v1/domains/web1", null).status()).isEqualTo(200);
        assertThat(api.tcp("GET", "/api/v1/host", null).status()).isEqualTo(200);
        assertThat(api.tcp("GET", "/api/v1/events?limit=5", null).status()).isEqualTo(200);
    }

    static Stream<Routes.Route> changes() {
        return Routes.table(new FakeDomainService()).stream().filter(r -> r.method() != HandlerType.GET);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void everyChangeOverTcpWithoutATokenIsRefusedAndNotMade(Routes.Route route) {
        String path = route.path().replaceAll("\\{[a-z]+\\}", "web1");

        ApiFixture.Reply reply = api.tcp(route.method().name(), path, "{}");

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.errorCode()).isEqualTo("UNAUTHORIZED");
        assertThat(reply.errorMessage()).isEqualTo(
                "changes over TCP need the header 'Authorization: Bearer <token>' with xend's API token");
        assertThat(api.fake.calls()).isEmpty();
    }

    @Test
    void aChangeOverTcpWithAWrongTokenIsRefused() {
        ApiFixture.Reply reply = api.tcp("POST", "/api/v1/domains/web1/pause", null,
                "Authorization", "Bearer " + api.token() + "x");

        assertThat(reply.status()).isEqualTo(403);
        assertThat(api.fake.calls()).isEmpty();
    }

    @Test
    void aChangeOverTcpWithTheTokenIsMade() {
        ApiFixture.Reply reply = api.tcp("POST", "/api/v1/domains/web1/pause", null,
                "Authorization", "Bearer " + api.token());

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().path("state").asText()).isEqualTo("PAUSED");
        assertThat(api.fake.calls()).containsExactly("pause web1");
    }

    @Test
    void aDeleteOverTcpWithTheTokenIsMade() {
        api.fake.with(FakeDomainService.domain("old", DomainState.SHUT_OFF));

        ApiFixture.Reply reply = api.tcp("DELETE", "/api/v1/domains/old", null, "Authorization", "Bearer " + api.token());

        assertThat(reply.status()).isEqualTo(204);
        assertThat(reply.body()).isEmpty();
    }

    @Test
    void aGetThatAsksToUpgradeTheConnectionOverTcpNeedsTheToken() {
        ApiFixture.Reply reply = api.rawTcp("GET", "/api/v1/domains/web1", "Upgrade: websocket", "Connection: Upgrade");

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.errorCode()).isEqualTo("UNAUTHORIZED");
    }

    @Test
    void aGetThatOffersHttp2IsStillARead() {
        ApiFixture.Reply reply = api.rawTcp("GET", "/api/v1/domains/web1", "Upgrade: h2c", "Connection: Upgrade, HTTP2-Settings",
                "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA");

        assertThat(reply.status()).isEqualTo(200);
    }

    @Test
    void theMethodOverrideHeaderIsRefusedSoAGetCannotBecomeAChange() {
        ApiFixture.Reply reply = api.tcp("GET", "/api/v1/domains/web1", null, "X-HTTP-Method-Override", "DELETE");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.errorMessage()).isEqualTo("the header X-HTTP-Method-Override is not supported");
        assertThat(api.fake.calls()).isEmpty();
    }

    @Test
    void aChangeOnTheUnixSocketNeedsNoToken() {
        assertThat(api.unix("POST", "/api/v1/domains/web1/pause", null).status()).isEqualTo(200);
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
