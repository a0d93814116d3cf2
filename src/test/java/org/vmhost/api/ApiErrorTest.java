package org.vmhost.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.vmhost.domain.DomainState;
import org.vmhost.error.ErrorCode;
import org.vmhost.domain.FakeDomainService;
import org.vmhost.error.VmhostException;

/** Failures, both ways: the service's exceptions as error bodies and back, and requests the API refuses. */
class ApiErrorTest {
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

    @ParameterizedTest
    @EnumSource(ErrorCode.class)
    void everyErrorCodeReachesTheClientWithItsCodeAndMessage(ErrorCode code) {
        api.fake.failNext("pause", new VmhostException(code, "pause of 'web1' failed: " + code));

        VmhostException e = catchThrowableOfType(VmhostException.class, () -> api.client().pause("web1"));

        assertThat(e.code()).isEqualTo(code);
        assertThat(e.getMessage()).isEqualTo("pause of 'web1' failed: " + code);
    }

    @ParameterizedTest
    @EnumSource(ErrorCode.class)
    void everyErrorCodeAnswersWithItsHttpStatus(ErrorCode code) {
        api.fake.failNext("list", new VmhostException(code, "it failed"));

        ApiFixture.Reply reply = api.unix("GET", "/api/v1/domains", null);

        assertThat(reply.status()).isEqualTo(code.httpStatus());
        assertThat(reply.errorCode()).isEqualTo(code.name());
    }

    @Test
    void aMissingDomainAnswers404WithTheOneErrorBody() {
        ApiFixture.Reply reply = api.unix("GET", "/api/v1/domains/x", null);

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.body()).isEqualTo("{\"error\":{\"code\":\"NO_SUCH_DOMAIN\",\"message\":\"domain 'x' does not exist\"}}");
    }

    @ParameterizedTest
    @CsvSource({
            "GET, /api/v1/nothing",
            "GET, /api/v2/domains",
            "GET, /",
            "DELETE, /api/v1/host",
            "POST, /api/v1/domains/web1/explode",
            "PUT, /api/v1/domains/web1",
            "GET, /api/v1/domains/",
    })
    void anUnknownRouteAnswers404WithTheSameBody(String method, String path) {
        ApiFixture.Reply reply = api.unix(method, path, null);

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.errorCode()).isEqualTo("NO_SUCH_ROUTE");
        assertThat(reply.errorMessage()).isEqualTo("no such API route: " + method + " " + path);
    }

    @Test
    void anUnknownFieldIsRefusedNamingTheField() {
        ApiFixture.Reply reply = api.unix("POST", "/api/v1/domains/web1/pause", "{\"force\": true}");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.errorCode()).isEqualTo("BAD_REQUEST");
        assertThat(reply.errorMessage()).startsWith("unknown field 'force'");
        assertThat(api.fake.calls()).doesNotContain("pause web1");
    }

    @Test
    void aMisspelledFieldOfACreateIsRefusedAndTheKnownFieldsListed() {
        ApiFixture.Reply reply = api.unix("POST", "/api/v1/domains",
                "{\"sourceName\": \"a.cfg\", \"configText\": \"name='a'\", \"pasued\": true}");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.errorMessage())
                .isEqualTo("unknown field 'pasued'; known fields: configText, overrides, paused, sourceName, start");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/api/v1/domains/web1/start    | {\"paused\": \"yes\"}        | field 'paused' must be a boolean",
            "/api/v1/domains/web1/start    | {\"paused\": 1}              | field 'paused' must be a boolean",
            "/api/v1/domains/web1/shutdown | {\"waitSeconds\": \"10\"}    | field 'waitSeconds' must be a whole number",
            "/api/v1/domains/web1/shutdown | {\"waitSeconds\": 1.5}       | field 'waitSeconds' must be a whole number",
            "/api/v1/domains/web1/shutdown | {\"waitSeconds\": -1}        | field 'waitSeconds' must be from 0 to 3600",
            "/api/v1/domains/web1/rename   | {\"name\": 7}                | field 'name' must be a string",
            "/api/v1/domains/web1/rename   | {}                           | field 'name' is required",
            "/api/v1/domains               | {\"configText\": \"\"}       | field 'sourceName' is required",
            "/api/v1/domains               | {\"sourceName\": \"a\"}      | field 'configText' is required",
            "/api/v1/domains               | {\"sourceName\": \"a\", \"configText\": \"\", \"overrides\": \"x=1\"} | field 'overrides' must be an array",
            "/api/v1/domains               | {\"sourceName\": \"a\", \"configText\": \"\", \"start\": false, \"paused\": true} | field 'paused' needs 'start' to be true",
            "/api/v1/domains/web1/pause    | [1, 2]                       | request body must be a JSON object",
            "/api/v1/domains/web1/pause    | {} {}                        | malformed JSON: more than one value",
    })
    void aBadBodyIsRefusedNamingTheFieldAndTheRule(String path, String body, String message) {
        ApiFixture.Reply reply = api.unix("POST", path, body);

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.errorCode()).isEqualTo("BAD_REQUEST");
        assertThat(reply.errorMessage()).startsWith(message);
        assertThat(api.fake.calls()).isEmpty();
    }

    @Test
    void malformedJsonIsRefusedWithWhereItBroke() {
        ApiFixture.Reply reply = api.unix("POST", "/api/v1/domains/web1/start", "{\"paused\": tru");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.errorMessage()).startsWith("malformed JSON: ").contains("line 1");
    }

    @Test
    void aDeleteWithABodyIsRefused() {
        ApiFixture.Reply reply = api.unix("DELETE", "/api/v1/domains/web1", "{\"force\": true}");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.errorMessage()).startsWith("unknown field 'force'");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/api/v1/events?limit=0     | query parameter 'limit' must be a whole number from 1 to 10000, not '0'",
            "/api/v1/events?limit=many  | query parameter 'limit' must be a whole number from 1 to 10000, not 'many'",
            "/api/v1/events?limit=10001 | query parameter 'limit' must be a whole number from 1 to 10000, not '10001'",
            "/api/v1/events?lmit=5      | unknown query parameter 'lmit'",
            "/api/v1/domains?all=1      | unknown query parameter 'all'",
    })
    void aBadQueryParameterIsRefused(String path, String message) {
        ApiFixture.Reply reply = api.unix("GET", path, null);

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.errorMessage()).isEqualTo(message);
    }

    @Test
    void eventsWithoutALimitReturnTheNewestHundred() {
        assertThat(api.unix("GET", "/api/v1/events", null).status()).isEqualTo(200);
        assertThat(api.fake.calls()).containsExactly("events 100");
    }

    @Test
    void aMalformedPathIsRefusedWithTheSameBodyNotAnHtmlPage() {
        ApiFixture.Reply reply = api.rawTcp("GET", "/api/v1/domains/%zz");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.errorCode()).isEqualTo("BAD_REQUEST");
        assertThat(reply.errorMessage()).startsWith("request refused: ");
    }

    @Test
    void aMalformedQueryIsRefusedAs400SayingSoAndCallsNothing() {
        ApiFixture.Reply reply = api.unix("GET", "/api/v1/events?limit=%zz", null);

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.errorCode()).isEqualTo("BAD_REQUEST");
        assertThat(reply.errorMessage()).isEqualTo("request refused: the query string is malformed: an escape that is not %XX");
        assertThat(api.fake.calls()).isEmpty();
    }

    @Test
    void headersTooLargeAreRefusedWithTheSameBodyAndJettysStatus() {
        ApiFixture.Reply reply = api.rawTcp("GET", "/api/v1/domains", "X-Big: " + "a".repeat(20_000));

        assertThat(reply.status()).isEqualTo(431);
        assertThat(reply.errorCode()).isEqualTo("BAD_REQUEST");
    }

    @Test
    void aBodyTooLargeIsRefusedWithTheSameBody() {
        ApiFixture.Reply reply = api.unix("POST", "/api/v1/domains", " ".repeat(2_000_000));

        assertThat(reply.status()).isEqualTo(413);
        assertThat(reply.errorCode()).isEqualTo("BAD_REQUEST");
        assertThat(reply.errorMessage()).isEqualTo("request refused: Content Too Large");
    }

    @Test
    void aBodyTooLargeOnAKeptAliveConnectionSaysTheConnectionCloses() throws Exception {
        java.net.URI origin = java.net.URI.create(api.origin());
        try (java.net.Socket socket = new java.net.Socket(origin.getHost(), origin.getPort())) {
            socket.getOutputStream().write(("POST /api/v1/domains HTTP/1.1\r\nHost: " + origin.getAuthority()
                    + "\r\nAuthorization: Bearer " + api.token() + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 2000000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(10_000);
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

            assertThat(answer).startsWith("HTTP/1.1 413 ");
            assertThat(answer.lines().takeWhile(l -> !l.isEmpty())).anyMatch(l -> l.equalsIgnoreCase("Connection: close"));
        }
        assertThat(api.fake.calls()).isEmpty();
    }

    @Test
    void anUnexpectedExceptionIsAnInternalErrorWithoutItsDetailsAndIsLoggedWithItsStackTrace() {
        List<LogRecord> logged = new ArrayList<>();
        Logger logger = Logger.getLogger(Failures.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        try {
            api.fake.failNext("list", new IllegalStateException("secret detail in /var/lib/vmhost/x"));

            ApiFixture.Reply reply = api.unix("GET", "/api/v1/domains", null);

            assertThat(reply.status()).isEqualTo(500);
            assertThat(reply.errorCode()).isEqualTo("INTERNAL");
            assertThat(reply.errorMessage()).isEqualTo("internal error in xend; details are in its log")
                    .doesNotContain("secret").doesNotContain("IllegalState");
            assertThat(logged).singleElement().satisfies(r -> {
                assertThat(r.getThrown()).hasMessage("secret detail in /var/lib/vmhost/x");
                assertThat(r.getMessage()).contains("GET /api/v1/domains");
            });
        } finally {
            logger.removeHandler(capture);
        }
    }

    @Test
    void theClientSeesAnUnexpectedExceptionAsInternal() {
        api.fake.failNext("hostInfo", new NullPointerException());

        VmhostException e = catchThrowableOfType(VmhostException.class, () -> api.client().hostInfo());

        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(e.getMessage()).isEqualTo("internal error in xend; details are in its log");
    }
}
