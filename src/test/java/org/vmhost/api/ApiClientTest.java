package org.vmhost.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainState;
import org.vmhost.error.ErrorCode;
import org.vmhost.domain.FakeDomainService;
import org.vmhost.domain.HostInfo;
import org.vmhost.error.VmhostException;

/** The client when xend is down, and when what answers on the socket is not quite the xend it expects. */
class ApiClientTest {
    @TempDir
    Path dir;

    @Test
    void aMissingSocketGivesXmsClassicMessage() {
        VmhostException e = catchThrowableOfType(VmhostException.class,
                () -> new ApiClient(dir.resolve("run/xend.sock")).list());

        assertThat(e.code()).isEqualTo(ErrorCode.HOST_FAILED);
        assertThat(e.getMessage()).isEqualTo("Unable to connect to xend: No such file or directory. Is xend running?");
    }

    @Test
    void aSocketNobodyListensOnGivesTheSameMessageWithItsReason() throws IOException {
        Path socket = dir.resolve("xend.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }

        VmhostException e = catchThrowableOfType(VmhostException.class, () -> new ApiClient(socket).hostInfo());

        assertThat(e.code()).isEqualTo(ErrorCode.HOST_FAILED);
        assertThat(e.getMessage()).isEqualTo("Unable to connect to xend: Connection refused. Is xend running?");
    }

    @Test
    void aStoppedXendIsReportedAsNotRunning() {
        ApiServer server = new ApiServer(new FakeDomainService(), ApiFixture.settings(dir).withoutTcp());
        server.start();
        ApiClient client = new ApiClient(server.socket());
        assertThat(client.list()).hasSize(1);

        server.close();

        assertThat(catchThrowableOfType(VmhostException.class, client::list))
                .hasMessage("Unable to connect to xend: No such file or directory. Is xend running?");
    }

    @Test
    void anErrorCodeThisClientDoesNotKnowBecomesInternalWithItsMessage() throws Exception {
        String body = "{\"error\":{\"code\":\"NEWER_CODE\",\"message\":\"domain 'a' is migrating\"}}";
        Path socket = answerOnce("HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body);

        VmhostException e = catchThrowableOfType(VmhostException.class, () -> new ApiClient(socket).pause("a"));

        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(e.getMessage()).isEqualTo("domain 'a' is migrating (NEWER_CODE)");
    }

    @Test
    void anAnswerThatIsNotJsonIsReportedWithTheRequestAndStatus() throws Exception {
        Path socket = answerOnce("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 5\r\n\r\noops!");

        VmhostException e = catchThrowableOfType(VmhostException.class, () -> new ApiClient(socket).list());

        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(e.getMessage()).startsWith("xend's answer to GET /api/v1/domains (HTTP 502) is unreadable: ");
    }

    @Test
    void aChunkedAnswerWithAFieldThisClientDoesNotKnowIsRead() throws Exception {
        HostInfo host = new FakeDomainService().hostInfo();
        String json = new String(Json.write(host), StandardCharsets.UTF_8).replaceFirst("\\{", "{\"newField\":[1,2],");
        String first = json.substring(0, 10);
        String rest = json.substring(10);
        Path socket = answerOnce("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(first.length()) + "\r\n" + first + "\r\n"
                + Integer.toHexString(rest.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + rest + "\r\n0\r\n\r\n");

        assertThat(new ApiClient(socket).hostInfo()).isEqualTo(host);
    }

    @Test
    void anAnswerCutShortIsALostConnection() throws Exception {
        Path socket = answerOnce("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"domains\":[");

        VmhostException e = catchThrowableOfType(VmhostException.class, () -> new ApiClient(socket).list());

        assertThat(e.code()).isEqualTo(ErrorCode.HOST_FAILED);
        assertThat(e.getMessage()).isEqualTo("Lost connection to xend during GET /api/v1/domains: answer cut short");
    }

    @Test
    void xmAsksForTheListAsTabSeparatedValuesAndReadsAnXendThatAnswersJsonAsBefore() throws Exception {
        List<DomainInfo> domains = new FakeDomainService().with(FakeDomainService.domain("web1", DomainState.RUNNING)).list();
        String json = new String(Json.write(new ResponseBody.DomainList(domains)), StandardCharsets.UTF_8);
        StringBuilder request = new StringBuilder();
        Path socket = answerOnce("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + json.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + json, request);

        assertThat(new ApiClient(socket).list()).isEqualTo(domains);
        assertThat(request.toString()).startsWith("GET /api/v1/domains HTTP/1.1\r\n").contains("\r\nAccept: text/tab-separated-values\r\n");
    }

    /** A socket on which one connection is answered with {@code response} once its request has arrived. */
    private Path answerOnce(String response) throws IOException {
        return answerOnce(response, new StringBuilder());
    }

    /** As above, the request's head copied into {@code request}. */
    private Path answerOnce(String response, StringBuilder request) throws IOException {
        Path socket = dir.resolve("canned.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            try (server; SocketChannel connection = server.accept()) {
                ByteBuffer in = ByteBuffer.allocate(65536);
                while (!new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1).contains("\r\n\r\n"))
                    if (connection.read(in) < 0) break;
                request.append(new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1));
                connection.write(ByteBuffer.wrap(response.getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        return socket;
    }
}
