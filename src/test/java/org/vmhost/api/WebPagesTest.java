package org.vmhost.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.domain.DomainState;
import org.vmhost.domain.FakeDomainService;

/** The web GUI's files on xend's TCP listener: what is open, what needs a login, what is never served. */
class WebPagesTest {
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
    void theLoginPageAndWhatItLoadsAreOpenWithAContentSecurityPolicy() throws Exception {
        for (String file : List.of("/", "/index.html", "/app.js", "/api.js", "/style.css", "/pages/login.js")) {
            ApiFixture.Reply reply = api.tcp("GET", file, null);
            assertThat(reply.status()).as(file).isEqualTo(200);
            assertThat(reply.body()).as(file).isNotEmpty();
        }
        HttpResponse<String> index = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(api.origin() + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(index.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(index.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp)
                .contains("script-src 'self'").contains("connect-src 'self'").contains("frame-ancestors 'none'"));
        assertThat(index.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(index.body()).contains("<script type=\"module\" src=\"app.js\">");
    }

    @Test
    void everyOtherFileNeedsALoginAndAViewerMayReadIt() {
        for (String file : List.of("/pages/domains.js", "/pages/host.js", "/vendor/uplot/uPlot.esm.js", "/vendor/xterm/xterm.mjs")) {
            assertThat(api.tcp("GET", file, null).status()).as(file + " without credentials").isEqualTo(401);
            assertThat(api.admin("GET", file, null).status()).as(file + " with the admin token").isEqualTo(200);
        }
        String viewer = api.admin("POST", "/api/v1/tokens", "{\"name\":\"look\",\"role\":\"VIEWER\"}").json().path("token").asText();
        assertThat(api.bearer(viewer, "GET", "/pages/domains.js", null).status()).isEqualTo(200);
    }

    @Test
    void theLibrariesFromNpmAreServedByXendItself() {
        for (String file : List.of("/vendor/xterm/xterm.mjs", "/vendor/xterm/xterm.css", "/vendor/xterm-addon-fit/addon-fit.mjs",
                "/vendor/novnc/core/rfb.js", "/vendor/uplot/uPlot.esm.js"))
            assertThat(api.admin("GET", file, null).status()).as(file).isEqualTo(200);
    }

    @Test
    void aLargeFileIsSentCompressedToABrowserThatAsksAndAsItIsToOneThatDoesNot() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI xterm = URI.create(api.origin() + "/vendor/xterm/xterm.mjs");
        HttpResponse<byte[]> plain = http.send(HttpRequest.newBuilder(xterm).header("Authorization", "Bearer " + api.token()).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        HttpResponse<byte[]> gzip = http.send(HttpRequest.newBuilder(xterm).header("Authorization", "Bearer " + api.token())
                .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(gzip.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(gzip.body().length).isLessThan(plain.body().length / 2);
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gzip.body()))) {
            assertThat(in.readAllBytes()).isEqualTo(plain.body());
        }
    }

    @Test
    void aHeadAnswersAsTheGetWouldWithoutTheBody() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest.Builder app = HttpRequest.newBuilder(URI.create(api.origin() + "/app.js"));
        HttpResponse<String> get = http.send(app.build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> head = http.send(app.method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(api.origin() + "/nosuch.js"))
                .header("Authorization", "Bearer " + api.token()).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("Content-Length")).hasValue(String.valueOf(get.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
        assertThat(head.headers().firstValue("Content-Type")).isEqualTo(get.headers().firstValue("Content-Type"));
        assertThat(missing.statusCode()).as("a HEAD of what is not there").isEqualTo(404);
    }

    @Test
    void aForgedHostOrAnotherSitesPageGetsNotEvenTheLoginPage() {
        assertThat(api.rawTcpHost("evil.example", "GET", "/").status()).isEqualTo(403);
        assertThat(api.tcp("GET", "/app.js", null, "Origin", "http://evil.example").status()).isEqualTo(403);
    }

    @Test
    void pathsThatAreNotPlainFileNamesAreNeverServed() {
        for (String path : List.of("/.hidden", "/pages/..%2F..%2Fetc%2Fpasswd", "/pages", "/WEB-INF/x.js", "/nosuch.js"))
            assertThat(api.admin("GET", path, null).status()).as(path).isIn(400, 404);
        ApiFixture.Reply unknownApi = api.admin("GET", "/api/v1/nosuch", null);
        assertThat(unknownApi.status()).isEqualTo(404);
        assertThat(unknownApi.json().path("error").path("message").asText()).isEqualTo("no such API route: GET /api/v1/nosuch");
    }

    @Test
    void theUnixSocketIsXmsAndServesNoPage() {
        ApiFixture.Reply reply = api.unix("GET", "/app.js", null);
        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.json().path("error").path("message").asText()).isEqualTo("no such API route: GET /app.js");
    }

    @Test
    void aPostToAPageIsAChangeAndNeedsCredentials() {
        assertThat(api.tcp("POST", "/", "{}").status()).isEqualTo(401);
        assertThat(api.tcp("POST", "/app.js", "{}").status()).isEqualTo(401);
    }
}
