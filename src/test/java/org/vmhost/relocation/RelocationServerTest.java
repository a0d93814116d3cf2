package org.vmhost.relocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.api.PeerKeys;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/** The relocation link on loopback with a scripted destination: who gets in, what the source trusts, what streams carry. */
class RelocationServerTest {
    @TempDir
    static Path dir;
    static PeerKeys keys;
    static String token;
    static final List<String> calls = new CopyOnWriteArrayList<>();
    static ServerSocketChannel echo;
    static RelocationServer open;
    static RelocationServer closedToUs;

    static final RelocationServer.Handler HANDLER = new RelocationServer.Handler() {
        @Override
        public RelocationServer.Incoming prepare(Offer offer) {
            if (offer.name().equals("taken")) throw new VmhostException(ErrorCode.DOMAIN_EXISTS, "a domain named 'taken' exists on this host");
            calls.add("prepare " + offer.name());
            return new RelocationServer.Incoming() {
                public String session() {
                    return "s1";
                }

                public List<String> copies() {
                    return List.of("xvdb");
                }

                public void finish(boolean resume) {
                    calls.add("finish " + resume);
                }

                public void abort() {
                    calls.add("abort");
                }
            };
        }

        @Override
        public Path stream(String session, String channel) {
            return dir.resolve("echo.sock");
        }

        @Override
        public boolean runs(String uuid) {
            return uuid.equals("u-runs");
        }
    };

    @BeforeAll
    static void start() throws IOException {
        Path tokenFile = dir.resolve("api.token");
        PeerKeys.adminTokens(tokenFile); // makes the admin token
        keys = PeerKeys.load(tokenFile, "127.0.0.1");
        token = Files.readString(tokenFile).strip();
        echo = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        echo.bind(UnixDomainSocketAddress.of(dir.resolve("echo.sock")));
        Thread.ofVirtual().start(() -> {
            while (echo.isOpen()) {
                try {
                    SocketChannel c = echo.accept();
                    Thread.ofVirtual().start(() -> {
                        ByteBuffer b = ByteBuffer.allocate(4096);
                        try (c) {
                            while (c.read(b) >= 0) {
                                b.flip();
                                while (b.hasRemaining()) c.write(b);
                                b.clear();
                            }
                        } catch (IOException e) {
                            // done
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        open = new RelocationServer("127.0.0.1", 0, List.of(Pattern.compile("127[.]0[.]0[.]1")), keys.context(),
                PeerKeys.adminTokens(tokenFile), HANDLER);
        open.start();
        closedToUs = new RelocationServer("127.0.0.1", 0, List.of(Pattern.compile("10[.]9[.]9[.]9")), keys.context(),
                PeerKeys.adminTokens(tokenFile), HANDLER);
        closedToUs.start();
    }

    @AfterAll
    static void stop() throws IOException {
        open.close();
        closedToUs.close();
        echo.close();
    }

    static Offer offer(String name) {
        return new Offer(name, "u-1", "name = \"" + name + "\"\n", true, 256, "tcg", "qemu64", false, List.of(), "src");
    }

    RelocationClient client(RelocationServer s, String withToken, String pin) {
        return new RelocationClient("127.0.0.1", s.port(), withToken, pin);
    }

    @Test
    void anAcceptedOfferFinishesAndAnUnfinishedOneIsAborted() {
        calls.clear();
        try (RelocationClient.Migration m = client(open, token, keys.fingerprint()).offer(offer("web1"))) {
            assertThat(m.session()).isEqualTo("s1");
            assertThat(m.copies()).containsExactly("xvdb");
            m.finish(true);
        }
        try (RelocationClient.Migration m = client(open, token, keys.fingerprint()).offer(offer("web2"))) {
            assertThat(m.session()).isEqualTo("s1");
        }
        org.vmhost.it.XendInstance.await("the abort", java.time.Duration.ofSeconds(5), () -> calls.contains("abort"));
        assertThat(calls).containsExactly("prepare web1", "finish true", "prepare web2", "abort");
    }

    @Test
    void theDestinationsRefusalComesBackWithItsReason() {
        assertThatThrownBy(() -> client(open, token, keys.fingerprint()).offer(offer("taken")))
                .isInstanceOf(VmhostException.class).hasMessageContaining("refused: a domain named 'taken' exists");
    }

    @Test
    void aWrongTokenIsRefused() {
        calls.clear();
        assertThatThrownBy(() -> client(open, "not-the-token", keys.fingerprint()).offer(offer("web1")))
                .isInstanceOf(VmhostException.class).hasMessageContaining("administrator's token");
        assertThat(calls).isEmpty();
    }

    @Test
    void anotherCertificateThanThePinnedOneIsRefusedBeforeTheTokenIsSent() {
        calls.clear();
        assertThatThrownBy(() -> client(open, token, "ab".repeat(32)).offer(offer("web1")))
                .isInstanceOf(VmhostException.class).hasMessageContaining("fingerprint");
        assertThat(calls).isEmpty();
    }

    @Test
    void aHostOutsideHostsAllowIsCutOff() {
        calls.clear();
        assertThatThrownBy(() -> client(closedToUs, token, keys.fingerprint()).offer(offer("web1")))
                .isInstanceOf(VmhostException.class).hasMessageContaining("relocation_hosts_allow");
        assertThat(calls).isEmpty();
    }

    @Test
    void aStreamCarriesBytesBothWays() throws Exception {
        ServerSocketChannel local = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        Path sock = dir.resolve("local.sock");
        local.bind(UnixDomainSocketAddress.of(sock));
        try (local; SocketChannel qemu = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            SocketChannel accepted = local.accept();
            Thread t = Thread.ofVirtual().start(() -> client(open, token, keys.fingerprint()).stream("s1", "migration", accepted));
            qemu.write(ByteBuffer.wrap("hello through TLS".getBytes(StandardCharsets.UTF_8)));
            ByteBuffer back = ByteBuffer.allocate(64);
            while (back.position() < 17) qemu.read(back);
            assertThat(new String(back.array(), 0, back.position(), StandardCharsets.UTF_8)).isEqualTo("hello through TLS");
            qemu.close();
            t.join(5000);
        }
    }

    @Test
    void aSourceAsksWhetherTheDomainRunsThere() {
        assertThat(client(open, token, keys.fingerprint()).runs("u-runs")).isTrue();
        assertThat(client(open, token, keys.fingerprint()).runs("u-other")).isFalse();
    }
}
