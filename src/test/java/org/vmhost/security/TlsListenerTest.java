package org.vmhost.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.api.ApiServer;
import org.vmhost.api.ApiSettings;
import org.vmhost.domain.FakeDomainService;

/** A listener beyond loopback serves HTTPS with a key xend makes on first start (keytool, PKCS12, 0600). */
@Tag("security")
class TlsListenerTest {
    @TempDir
    Path home;

    @Test
    void onlyLoopbackMayStayPlainHttp() {
        ApiSettings plain = ApiSettings.of(home.resolve("s"), home.resolve("t"));

        assertThat(plain.withTcp("127.0.0.1", 8000).usesTls()).isFalse();
        assertThat(plain.withTcp("::1", 8000).usesTls()).isFalse();
        assertThat(plain.withTcp("localhost", 8000).usesTls()).isFalse();
        assertThat(plain.withTcp("0.0.0.0", 8000).usesTls()).isTrue();
        assertThat(plain.withTcp("192.0.2.10", 8000).usesTls()).isTrue();
        assertThat(plain.withAccess(new ApiSettings.Access(Optional.empty(), List.of(), "vmhost", true)).usesTls()).isTrue();
    }

    @Test
    void xendMakesAPrivateSelfSignedKeyAndServesHttpsWithIt() throws Exception {
        ApiSettings settings = ApiSettings.of(home.resolve("run/xend.sock"), home.resolve("api.token"))
                .withTcp("127.0.0.1", 0).withAccess(new ApiSettings.Access(Optional.empty(), List.of(), "vmhost", true));
        try (ApiServer server = new ApiServer(new FakeDomainService(), settings)) {
            server.start();
            Path store = home.resolve("tls/xend.p12");
            Path pass = home.resolve("tls/xend.p12.pass");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pass))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("tls")))).isEqualTo("rwx------");

            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, Files.readString(pass).strip().toCharArray());
            }
            X509Certificate cert = (X509Certificate) keys.getCertificate("xend");
            assertThat(cert.getSubjectAlternativeNames()).extracting(n -> n.get(1).toString()).contains("localhost", "127.0.0.1");
            // the host's own name, taken from the kernel: it need not resolve (a fresh host may lack it in /etc/hosts)
            String hostname = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (hostname.matches("[A-Za-z0-9][A-Za-z0-9.-]*"))
                assertThat(cert.getSubjectAlternativeNames()).extracting(n -> n.get(1).toString()).contains(hostname);

            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("xend", cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            int port = server.tcpPort().orElseThrow();
            String token = Files.readString(home.resolve("api.token")).strip();

            HttpResponse<String> https = HttpClient.newBuilder().sslContext(ssl).build().send(
                    HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/api/v1/domains"))
                            .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(https.statusCode()).isEqualTo(200);
            assertThat(https.body()).contains("Domain-0");

            Throwable plain = catchThrowable(() -> HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/domains"))
                            .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()));
            if (plain == null) throw new AssertionError("plain HTTP was answered on the TLS listener");
        }

        // a restart keeps the key the administrator may have replaced
        byte[] before = Files.readAllBytes(home.resolve("tls/xend.p12"));
        try (ApiServer again = new ApiServer(new FakeDomainService(), settings)) {
            again.start();
        }
        assertThat(Files.readAllBytes(home.resolve("tls/xend.p12"))).isEqualTo(before);
    }
}
