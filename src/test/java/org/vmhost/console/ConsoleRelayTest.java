package org.vmhost.console;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives a relay against a stand-in for QEMU's console socket and log file. */
class ConsoleRelayTest {
    @TempDir
    Path dir;
    private ServerSocketChannel fakeQemu;
    private SocketChannel qemuSide;
    private ConsoleRelay relay;
    private Path log;

    @BeforeEach
    void startRelay() throws Exception {
        log = dir.resolve("console.log");
        Files.writeString(log, "boot line 1\nboot line 2\n");
        fakeQemu = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        fakeQemu.bind(UnixDomainSocketAddress.of(dir.resolve("qemu-console.sock")));
        relay = new ConsoleRelay("web1", dir.resolve("qemu-console.sock"), log, dir.resolve("console.sock"));
        relay.start(Duration.ofSeconds(5));
        qemuSide = fakeQemu.accept();
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        qemuSide.close();
        fakeQemu.close();
    }

    /** What QEMU does: writes to the log and to its connected client. */
    private void guestWrites(String text) throws Exception {
        Files.writeString(log, text, java.nio.file.StandardOpenOption.APPEND);
        qemuSide.write(ByteBuffer.wrap(text.getBytes(UTF_8)));
    }

    @Test
    void aLateSubscriberGetsTheHistoryThenLiveOutputInOrder() throws Exception {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        CountDownLatch live = new CountDownLatch(1);
        try (var sub = relay.subscribe(b -> {
            synchronized (seen) {
                seen.writeBytes(b);
                if (seen.toString(UTF_8).contains("login:")) live.countDown();
            }
        }, () -> {})) {
            guestWrites("login: ");
            assertThat(live.await(5, TimeUnit.SECONDS)).isTrue();
            synchronized (seen) {
                assertThat(seen.toString(UTF_8)).isEqualTo("boot line 1\nboot line 2\nlogin: ");
            }
        }
    }

    @Test
    void aClientOnTheSocketSeesOutputAndItsKeystrokesReachTheGuest() throws Exception {
        assertThat(Files.getPosixFilePermissions(dir.resolve("console.sock")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("console.sock")))) {
            assertThat(readUntil(client, "boot line 2\n")).startsWith("boot line 1\n");
            guestWrites("# ");
            assertThat(readUntil(client, "# ")).isEqualTo("# ");
            client.write(ByteBuffer.wrap("uname\n".getBytes(UTF_8)));
            assertThat(readUntil(qemuSide, "uname\n")).isEqualTo("uname\n");
        }
    }

    @Test
    void subscribersAreToldWhenTheGuestsConsoleCloses() throws Exception {
        CountDownLatch ended = new CountDownLatch(1);
        relay.subscribe(b -> {}, ended::countDown);
        qemuSide.close(); // QEMU exited
        assertThat(ended.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(dir.resolve("console.sock")).doesNotExist();
    }

    private static String readUntil(SocketChannel ch, String end) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(256);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!out.toString(UTF_8).endsWith(end)) {
            assertThat(System.nanoTime()).as("waiting for %s", end).isLessThan(deadline);
            buf.clear();
            if (ch.read(buf) < 0) break;
            out.write(buf.array(), 0, buf.position());
        }
        return out.toString(UTF_8);
    }
}
