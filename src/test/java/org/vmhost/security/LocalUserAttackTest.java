package org.vmhost.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.api.ApiServer;
import org.vmhost.api.ApiSettings;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainState;
import org.vmhost.domain.FakeDomainService;
import org.vmhost.host.HostCommand;

/**
 * A local user who is not root, with curl: the TCP API gives it nothing without credentials, whatever Host it
 * sends; the UNIX socket is closed to it; a member of unix_sock_group is an administrator on the socket.
 */
@Tag("security")
class LocalUserAttackTest {
    static final String WIN1 = """
            builder = "hvm"
            name = "win1"
            vnc = 1
            vncpasswd = "s3cret"
            """;

    @TempDir
    Path home;
    final HostAccounts accounts = new HostAccounts();
    final FakeDomainService fake = new FakeDomainService().with(win1());
    ApiServer server;

    static DomainInfo win1() {
        DomainInfo d = FakeDomainService.domain("win1", DomainState.SHUT_OFF);
        return new DomainInfo(d.name(), d.domid(), d.uuid(), d.type(), d.state(), d.memory(), d.maxmem(), d.vcpus(),
                d.cpuTime(), d.managed(), d.autostart(), WIN1, d.uptime(), java.util.Optional.empty());
    }

    void start(Optional<String> group) throws IOException {
        // Everyone may pass through the home, so that only the socket's own mode stands in nobody's way.
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        server = new ApiServer(fake, ApiSettings.of(home.resolve("run/xend.sock"), home.resolve("api.token"))
                .withTcp("127.0.0.1", 0)
                .withAccess(new ApiSettings.Access(group, List.of(), "vmhost", false)));
        server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
        accounts.close();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.tcpPort().orElseThrow() + path;
    }

    /**
     * While xend is down, a local user can listen on its port (browsers tell origins by host and port alone) and wait
     * for the GUI's logins. xend then cannot start there, and its message names who holds the port.
     */
    @Test
    void whenALocalUserHoldsXendsPortXendNamesThemAndStartsNothing() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Process squatter = new ProcessBuilder("runuser", "-u", "nobody", "--", "python3", "-c",
                "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', " + port + ")); s.listen(); print('listening', flush=True);"
                        + " time.sleep(60)").redirectErrorStream(true).start();
        try {
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(squatter.getInputStream())).readLine()).isEqualTo("listening");
            ApiServer blocked = new ApiServer(fake, ApiSettings.of(home.resolve("run/xend.sock"), home.resolve("api.token"))
                    .withTcp("127.0.0.1", port).withAccess(new ApiSettings.Access(Optional.empty(), List.of(), "vmhost", false)));

            org.assertj.core.api.Assertions.assertThatThrownBy(blocked::start).hasMessageContaining("port " + port
                    + " is held by user 'nobody' (uid " + HostCommand.of("id", "-u", "nobody").run().strip()
                    + "): if that is not a server of your own, it may be one waiting for the GUI's logins; stop it, then start xend");
            assertThat(home.resolve("run/xend.sock")).as("nothing left listening").doesNotExist();
        } finally {
            squatter.descendants().forEach(ProcessHandle::destroyForcibly);
            squatter.destroyForcibly().waitFor();
        }
    }

    @Test
    void nobodyGetsNothingOverTcpWithoutCredentialsWhateverHostItSends() throws IOException {
        start(Optional.empty());
        List<String> reads = List.of("/api/v1/domains", "/api/v1/domains/win1", "/api/v1/dmesg", "/api/v1/events",
                "/api/v1/host", "/api/v1/networks", "/api/v1/images", "/api/v1/domains/win1/console",
                "/api/v1/domains/win1/disks", "/api/v1/domains/win1/vifs", "/api/v1/tokens", "/api/v1/session");

        for (String path : reads) {
            for (String host : List.of("127.0.0.1", "evil.example", "localhost")) {
                HostCommand.Result r = HostAccounts.curlAs("nobody", "-H", "Host: " + host, url(path));
                assertThat(HostAccounts.status(r)).as(host + " " + path).isIn(401, 403);
                assertThat(r.output()).as(path).doesNotContain("s3cret").doesNotContain("configText");
            }
        }
        HostCommand.Result change = HostAccounts.curlAs("nobody", "-X", "POST", url("/api/v1/domains/win1/start"));
        assertThat(HostAccounts.status(change)).isEqualTo(401);
        assertThat(fake.calls()).isEmpty();
    }

    @Test
    void aForgedHostIsRefusedEvenWithAValidToken() throws IOException {
        start(Optional.empty());
        String token = Files.readString(home.resolve("api.token")).strip();

        HostCommand.Result r = HostAccounts.curlAs("nobody", "-H", "Host: evil.example", "-H", "Authorization: Bearer " + token,
                url("/api/v1/domains/win1"));

        assertThat(HostAccounts.status(r)).isEqualTo(403);
        assertThat(r.output()).contains("the Host 'evil.example' is not a name of this xend").doesNotContain("s3cret");
    }

    @Test
    void evenAnAdministratorSeesTheVncPasswordMasked() throws IOException {
        start(Optional.empty());
        String token = Files.readString(home.resolve("api.token")).strip();

        HostCommand.Result r = HostAccounts.curlAs("nobody", "-H", "Authorization: Bearer " + token, url("/api/v1/domains/win1"));

        assertThat(HostAccounts.status(r)).isEqualTo(200);
        assertThat(r.output()).contains("vncpasswd = \\\"XXXXXXXX\\\"").doesNotContain("s3cret");
    }

    @Test
    void theUnixSocketIsClosedToNobody() throws IOException {
        start(Optional.empty());

        HostCommand.Result r = HostAccounts.curlAs("nobody", "--unix-socket", server.socket().toString(), "http://localhost/api/v1/domains");

        assertThat(r.output()).contains("Couldn't connect").doesNotContain("win1");
        assertThat(HostAccounts.status(r)).isEqualTo(0);
    }

    @Test
    void onASocketOpenedByHandTheKernelsPeerCredentialsStillKeepNobodyOut() throws IOException {
        start(Optional.empty());
        Files.setPosixFilePermissions(server.socket(), PosixFilePermissions.fromString("rw-rw-rw-"));

        HostCommand.Result r = HostAccounts.curlAs("nobody", "--unix-socket", server.socket().toString(), "-X", "POST",
                "http://localhost/api/v1/domains/win1/start");

        assertThat(HostAccounts.status(r)).isEqualTo(403);
        assertThat(r.output()).contains("user 'nobody' may not use xend's socket: it is for root");
        assertThat(fake.calls()).isEmpty();
    }

    @Test
    void onASocketOpenedByHandNobodyCannotUseTheLoginToGuessPasswords() throws IOException {
        start(Optional.empty());
        Files.setPosixFilePermissions(server.socket(), PosixFilePermissions.fromString("rw-rw-rw-"));

        HostCommand.Result login = HostAccounts.curlAs("nobody", "--unix-socket", server.socket().toString(), "-X", "POST",
                "-H", "Content-Type: application/json", "--data", "{\"user\":\"root\",\"password\":\"guess\"}",
                "http://localhost/api/v1/session");
        HostCommand.Result page = HostAccounts.curlAs("nobody", "--unix-socket", server.socket().toString(),
                "http://localhost/index.html");

        assertThat(HostAccounts.status(login)).isEqualTo(403);
        assertThat(login.output()).contains("user 'nobody' may not use xend's socket: it is for root")
                .doesNotContain("login failed");
        assertThat(HostAccounts.status(page)).isEqualTo(403);
    }

    @Test
    void aMemberOfTheSocketGroupIsAnAdministratorOnTheSocketAndOthersCannotConnect() throws IOException {
        String group = accounts.group("g");
        String member = accounts.user("m", null, group);
        start(Optional.of(group));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(server.socket()))).isEqualTo("rw-rw----");
        assertThat(Files.getAttribute(server.socket(), "posix:group").toString()).isEqualTo(group);

        HostCommand.Result who = HostAccounts.curlAs(member, "--unix-socket", server.socket().toString(), "http://localhost/api/v1/session");
        HostCommand.Result change = HostAccounts.curlAs(member, "--unix-socket", server.socket().toString(), "-X", "POST",
                "-H", "Content-Type: application/json", "-d", "{}", "http://localhost/api/v1/domains/win1/start");
        HostCommand.Result outsider = HostAccounts.curlAs("nobody", "--unix-socket", server.socket().toString(), "http://localhost/api/v1/domains");

        assertThat(HostAccounts.status(who)).isEqualTo(200);
        assertThat(who.output()).contains("\"user\":\"" + member + "\"").contains("\"role\":\"ADMIN\"").contains("\"via\":\"socket\"");
        assertThat(HostAccounts.status(change)).isEqualTo(200);
        assertThat(fake.calls()).contains("start win1 paused=false");
        assertThat(HostAccounts.status(outsider)).isEqualTo(0);
    }

    /**
     * A member's WebSocket on the UNIX socket ends when they leave the group, as their next request would be
     * refused: it is checked again while open, not only at its upgrade. curl as the member holds it open (it does not
     * speak WebSocket: it shows what xend sends, the close frame included).
     */
    @Test
    void aMembersWebSocketOnTheSocketClosesWhenTheyLeaveTheGroup(@org.junit.jupiter.api.io.TempDir Path out) throws Exception {
        String group = accounts.group("w");
        String member = accounts.user("w", null, group);
        start(Optional.of(group));
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path headers = out.resolve("headers");
        Path body = out.resolve("body");
        Process curl = new ProcessBuilder("runuser", "-u", member, "--", "curl", "-sS", "-N", "--max-time", "60",
                "--unix-socket", server.socket().toString(), "-D", headers.toString(), "-o", body.toString(),
                "-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13",
                "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "http://localhost/api/v1/events/ws")
                .redirectErrorStream(true).redirectOutput(out.resolve("curl.log").toFile()).start();
        try {
            awaitFile(headers, "101", java.time.Duration.ofSeconds(10));

            HostCommand.of("gpasswd", "-d", member, group).run();

            // SocketPeers reads the group's members at most every 10 s; open sockets are checked every 10 s
            String closed = awaitFile(body, "has ended", java.time.Duration.ofSeconds(30));
            assertThat(closed).contains("the socket that opened this has ended");
        } finally {
            curl.destroyForcibly().waitFor();
        }
    }

    /** The file's text once it contains {@code what}; fails after {@code limit}. */
    private static String awaitFile(Path file, String what, java.time.Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                String text = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
                if (text.contains(what)) return text;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no '" + what + "' in " + file + " within " + limit + ": "
                + (Files.exists(file) ? Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1) : "(no file)"));
    }
}
