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

    /**
     * QEMU writes its log and its socket separately: a subscriber that comes when the log is ahead of what the
     * relay has read gets those bytes once, live, not also in its history (the browser showed "vmhostt-guest").
     */
    @Test
    void aSubscriberComingWhileTheLogIsAheadOfTheSocketGetsEveryByteOnce() throws Exception {
        Files.writeString(log, "vmhost", java.nio.file.StandardOpenOption.APPEND);
        qemuSide.write(ByteBuffer.wrap("vmhost".getBytes(UTF_8)));
        awaitHistoryEndsWith("vmhost");
        Files.writeString(log, "-guest: ready\n", java.nio.file.StandardOpenOption.APPEND); // logged, not yet read
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        CountDownLatch live = new CountDownLatch(1);
        try (var sub = relay.subscribe(b -> {
            synchronized (seen) {
                seen.writeBytes(b);
                if (seen.toString(UTF_8).endsWith("ready\n")) live.countDown();
            }
        }, () -> {})) {
            qemuSide.write(ByteBuffer.wrap("-guest: ready\n".getBytes(UTF_8)));
            assertThat(live.await(5, TimeUnit.SECONDS)).isTrue();
            synchronized (seen) {
                assertThat(seen.toString(UTF_8)).isEqualTo("boot line 1\nboot line 2\nvmhost-guest: ready\n");
            }
        }
    }

    private void awaitHistoryEndsWith(String end) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!new String(relay.history(), UTF_8).endsWith(end)) {
            assertThat(System.nanoTime()).as("the relay reading %s", end).isLessThan(deadline);
            Thread.sleep(5);
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

    /**
     * {@code printf 'reboot\n\035' | xm console web1}: the client sends its keys and leaves at once, while the relay
     * is still writing the console's history to it. What it sent reaches the guest all the same, every time.
     */
    @Test
    void keysSentByAClientThatLeavesAtOnceStillReachTheGuest() throws Exception {
        guestWrites("x".repeat(ConsoleRelay.HISTORY_BYTES) + "\n"); // a full history to write to each client
        awaitHistoryEndsWith("x\n");
        for (int i = 0; i < 100; i++) {
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("console.sock")))) {
                client.write(ByteBuffer.wrap(("key" + i + "\n").getBytes(UTF_8)));
            }
            assertThat(readUntil(qemuSide, "key" + i + "\n")).as("keys of client %d", i).isEqualTo("key" + i + "\n");
        }
    }

    @Test
    void subscribersAreToldWhenTheGuestsConsoleCloses() throws Exception {
        CountDownLatch ended = new CountDownLatch(1);
        long subscribing = System.nanoTime();
        relay.subscribe(b -> {}, ended::countDown);
        qemuSide.close(); // QEMU exited
        assertThat(ended.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(dir.resolve("console.sock")).doesNotExist();
    }

    @Test
    void aClientThatNeverReadsIsDroppedAndHoldsUpNeitherTheGuestNorOthersNorClose() throws Exception {
        java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
        try (SocketChannel stalled = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("console.sock")));
             var reader = relay.subscribe(b -> received.addAndGet(b.length), () -> {})) {
            long history = "boot line 1\nboot line 2\n".length();
            // 16 MiB, far more than the stalled client's socket buffers and its queue hold. Written by
            // QEMU's side: if the relay blocked on the stalled client, these writes would stall too.
            byte[] chunk = "y\n".repeat(32 * 1024).getBytes(UTF_8);
            int chunks = 256;
            Thread guest = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < chunks; i++) {
                        ByteBuffer b = ByteBuffer.wrap(chunk);
                        while (b.hasRemaining()) qemuSide.write(b);
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(guest.join(Duration.ofSeconds(20))).as("the guest's output never stalls").isTrue();
            long total = history + (long) chunk.length * chunks;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (received.get() < total && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(received.get()).as("what the reading subscriber got").isEqualTo(total);
            // The stalled client has now read nothing for longer than a pause the relay forgives: it was
            // disconnected, and what is left in its socket ends in end-of-file.
            Thread.sleep(ConsoleRelay.STALL.multipliedBy(2).toMillis());
            stalled.configureBlocking(true);
            ByteBuffer sink = ByteBuffer.allocate(1 << 16);
            long got = 0;
            int n;
            while ((n = stalled.read(sink)) >= 0) {
                got += n;
                sink.clear();
                assertThat(System.nanoTime()).as("the stalled client is disconnected").isLessThan(deadline);
            }
            assertThat(got).isLessThan(total);
            long before = System.nanoTime();
            relay.close();
            assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(1));
        }
    }

    @Test
    void aStalledSubscriberNeverDelaysTheClose() throws Exception {
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(1);
        long subscribing = System.nanoTime();
        relay.subscribe(b -> {
            blocked.countDown();
            try {
                Thread.sleep(60_000); // a sink that hangs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, ended::countDown);
        assertThat(Duration.ofNanos(System.nanoTime() - subscribing)).as("subscribing").isLessThan(Duration.ofSeconds(1));
        assertThat(blocked.await(5, TimeUnit.SECONDS)).isTrue();
        guestWrites("more\n");
        long before = System.nanoTime();
        relay.close();
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void theLogStaysBoundedAndAClientStillSeesTheNewestOutput() throws Exception {
        relay.close();
        qemuSide.close();
        fakeQemu.close();
        Files.delete(dir.resolve("qemu-console.sock"));
        fakeQemu = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        fakeQemu.bind(UnixDomainSocketAddress.of(dir.resolve("qemu-console.sock")));
        ConsoleLog bounded = new ConsoleLog(log, ConsoleLog.MIN_LIMIT);
        relay = new ConsoleRelay("web1", dir.resolve("qemu-console.sock"), bounded, dir.resolve("console.sock"));
        relay.start(Duration.ofSeconds(5));
        qemuSide = fakeQemu.accept();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        try (var sub = relay.subscribe(b -> {
            synchronized (seen) {
                seen.writeBytes(b);
            }
        }, () -> {})) {
            long slack = ConsoleLog.MIN_LIMIT / 16 + 2 * 8192;
            long written = Files.size(log);
            for (int i = 0; i < 4000; i++) {
                String line = "line %05d of a guest that prints a lot\n".formatted(i);
                guestWrites(line);
                written += line.length();
                if (i % 50 == 49) {
                    // Let the relay catch up (it reads the socket, QEMU's side writes the log first).
                    long caughtUp = written;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (size(seen) < caughtUp && System.nanoTime() < deadline) Thread.sleep(1);
                    assertThat(Files.size(log)).isLessThanOrEqualTo(ConsoleLog.MIN_LIMIT + slack);
                }
            }
        }
        assertThat(bounded.previous()).exists();
        assertThat(Files.size(bounded.previous())).isLessThanOrEqualTo(ConsoleLog.MIN_LIMIT + ConsoleLog.MIN_LIMIT / 16 + 2 * 8192);
        assertThat(dir.resolve("console.log.2")).doesNotExist();
        String history = new String(relay.history(), UTF_8);
        assertThat(history).hasSize(ConsoleRelay.HISTORY_BYTES).endsWith("line 03999 of a guest that prints a lot\n")
                .contains("line 03000 of");
    }

    private static long size(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.size();
        }
    }

    private static String readUntil(SocketChannel ch, String end) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(256);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        boolean blocking = ch.isBlocking();
        ch.configureBlocking(false); // so that the deadline holds while nothing comes
        try {
            while (!out.toString(UTF_8).endsWith(end)) {
                assertThat(System.nanoTime()).as("waiting for %s; got %s", end, out.toString(UTF_8)).isLessThan(deadline);
                buf.clear();
                int n = ch.read(buf);
                if (n < 0) break;
                if (n == 0) Thread.sleep(5);
                out.write(buf.array(), 0, buf.position());
            }
        } finally {
            ch.configureBlocking(blocking);
        }
        return out.toString(UTF_8);
    }
}
