package org.vmhost.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vmhost.domain.FakeDomainService;

/**
 * An {@link ApiServer} over a {@link FakeDomainService}, on a UNIX socket and a free TCP port under a
 * temporary home, with the ways the tests talk to it. Every response the tests get, through the client or
 * by hand, is checked against docs/api/openapi.yaml.
 */
final class ApiFixture implements AutoCloseable {
    final FakeDomainService fake;
    final Path home;
    final ApiServer server;
    private final HttpClient tcp = HttpClient.newHttpClient();

    ApiFixture(Path home) {
        this(home, new FakeDomainService());
    }

    ApiFixture(Path home, FakeDomainService fake) {
        this.home = home;
        this.fake = fake;
        this.server = new ApiServer(fake, settings(home).withTcp("127.0.0.1", 0));
        server.start();
    }

    static ApiSettings settings(Path home) {
        return ApiSettings.of(home.resolve("run/xend.sock"), home.resolve("api.token"));
    }

    /** The client xm uses, on the UNIX socket. */
    ApiClient client() {
        return new ApiClient(server.socket(), e -> OpenApiDocument.get().check(e.method(), e.path(), e.status(), e.contentType(), e.body()));
    }

    /** A request by hand on the UNIX socket; body null for none. */
    Reply unix(String method, String path, String body) {
        try {
            var e = new UnixSocketHttp(server.socket()).send(method, path,
                    body == null ? null : body.getBytes(StandardCharsets.UTF_8));
            return checked(method, path, e.status(), e.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A request on TCP; body null for none; headers as name, value, name, value... */
    Reply tcp(String method, String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.tcpPort().orElseThrow() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) request.headers(headers);
        try {
            HttpResponse<byte[]> response = tcp.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return checked(method, path, response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A request on TCP with the admin token of {@code api.token}. */
    Reply admin(String method, String path, String body, String... headers) {
        return tcp(method, path, body, withHeader(headers, "Authorization", "Bearer " + token()));
    }

    /** A request on TCP with a bearer token. */
    Reply bearer(String token, String method, String path, String body, String... headers) {
        return tcp(method, path, body, withHeader(headers, "Authorization", "Bearer " + token));
    }

    private static String[] withHeader(String[] headers, String name, String value) {
        String[] all = java.util.Arrays.copyOf(headers, headers.length + 2);
        all[headers.length] = name;
        all[headers.length + 1] = value;
        return all;
    }

    /** The TCP listener's origin, as a browser names it. */
    String origin() {
        return "http://127.0.0.1:" + server.tcpPort().orElseThrow();
    }

    /** A request written by hand on TCP, for headers java.net.http will not send; {@code Connection: close} is added. */
    Reply rawTcp(String method, String path, String... headerLines) {
        return rawTcpHost("127.0.0.1", method, path, headerLines);
    }

    /** A request written by hand on TCP with the given {@code Host} header. */
    Reply rawTcpHost(String host, String method, String path, String... headerLines) {
        StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n");
        for (String line : headerLines) request.append(line).append("\r\n");
        request.append("\r\n");
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.tcpPort().orElseThrow())) {
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.US_ASCII));
            var e = UnixSocketHttp.parse(method, path, socket.getInputStream().readAllBytes());
            return checked(method, path, e.status(), e.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String token() {
        try {
            return Files.readString(home.resolve("api.token")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Reply checked(String method, String path, int status, byte[] body) {
        OpenApiDocument.get().check(method, path, status, body);
        return new Reply(status, new String(body, StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        server.close();
    }

    /** A status and a body. */
    record Reply(int status, String body) {
        com.fasterxml.jackson.databind.JsonNode json() {
            try {
                return new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String errorCode() {
            return json().path("error").path("code").asText();
        }

        String errorMessage() {
            return json().path("error").path("message").asText();
        }
    }
}
