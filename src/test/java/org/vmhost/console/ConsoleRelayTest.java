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
    private FakeQemuConsole qemu;
    private ConsoleRelay relay;
    private Path log;

    @BeforeEach
    void startRelay() throws Exception {
        log = dir.resolve("console.log");
        Files.writeString(log, "boot line 1\nboot line 2\n");
        qemu = new FakeQemuConsole(dir.resolve("qemu-console.sock"), log);
        relay = new ConsoleRelay("web1", dir.resolve("qemu-console.sock"), new ConsoleLog(log, ConsoleLog.DEFAULT_LIMIT), dir.resolve("console.sock"),
                qemu::connected);
        relay.start();
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        qemu.close();
    }

    /** What QEMU does: sends to its connected client, if it has one, then appends to the log. */
    private void guestWrites(String text) throws Exception {
        qemu.write(text);
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
    void theRelayIsQemusClientOnlyWhileSomeoneWatchesAndALaterOneSeesWhatCameMeanwhile() throws Exception {
        Thread.sleep(100);
        assertThat(qemu.connections()).as("connections before anyone watched").isZero();
        guestWrites("unwatched\n");
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        try (var sub = relay.subscribe(b -> write(seen, b), () -> {})) {
            assertThat(relay.connected()).isTrue();
            guestWrites("watched\n");
            awaitEndsWith(seen, "\nwatched\n");
        }
        assertThat(text(seen)).isEqualTo("boot line 1\nboot line 2\nunwatched\nwatched\n");
        assertThat(relay.connected()).isFalse();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (qemu.connected()) {
            assertThat(System.nanoTime()).as("QEMU's client leaving").isLessThan(deadline);
            Thread.sleep(5);
        }
        guestWrites("while nobody watched\n");
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        try (var sub = relay.subscribe(b -> write(again, b), () -> {})) {
            guestWrites("# ");
            awaitEndsWith(again, "# ");
        }
        assertThat(text(again)).isEqualTo("boot line 1\nboot line 2\nunwatched\nwatched\nwhile nobody watched\n# ");
        assertThat(qemu.connections()).isEqualTo(2);
    }

    /**
     * The first subscriber's history comes from the log and its live output from the socket: while the guest prints
     * without a pause, every byte still comes exactly once, in order, for subscribers that come and go
     * (QEMU logs what it has sent, so the socket's first bytes may be in the log already, or only on the socket).
     */
    @Test
    void subscribersComingAndGoingWhileTheGuestPrintsGetEveryByteOnce() throws Exception {
        StringBuilder all = new StringBuilder("boot line 1\nboot line 2\n");
        java.util.concurrent.atomic.AtomicBoolean printing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread guest = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; printing.get(); i++) {
                    String line = "line %07d\n".formatted(i);
                    synchronized (all) {
                        guestWrites(line);
                        all.append(line);
                    }
                    if (i % 64 == 0) Thread.sleep(1);
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        try {
            for (int round = 0; round < 40; round++) {
                ByteArrayOutputStream seen = new ByteArrayOutputStream();
                try (var sub = relay.subscribe(b -> write(seen, b), () -> {})) {
                    Thread.sleep(round % 5 * 5);
                    String mark;
                    synchronized (all) {
                        mark = all.substring(all.length() - 13);
                    }
                    awaitContains(seen, mark); // a line printed while it watched has come
                }
                String got = text(seen);
                String full;
                synchronized (all) {
                    full = all.toString();
                }
                assertThat(full).as("round %d: what the subscriber saw is one stretch of the output", round).contains(got);
                assertThat(got.length()).isGreaterThan(13);
            }
        } finally {
            printing.set(false);
            guest.join();
        }
    }

    private static void awaitContains(ByteArrayOutputStream out, String mark) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!text(out).contains(mark)) {
            assertThat(System.nanoTime()).as("waiting for %s", mark).isLessThan(deadline);
            Thread.sleep(2);
        }
    }

    private static void write(ByteArrayOutputStream out, byte[] b) {
        synchronized (out) {
            out.writeBytes(b);
        }
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(UTF_8);
        }
    }

    private static void awaitEndsWith(ByteArrayOutputStream out, String mark) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!text(out).endsWith(mark)) {
            assertThat(System.nanoTime()).as("waiting for %s", mark).isLessThan(deadline);
            Thread.sleep(2);
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
            assertThat(qemu.awaitInput("uname\n")).isEqualTo("uname\n");
        }
    }

    /**
     * {@code printf 'reboot\n\035' | xm console web1}: the client sends its keys and leaves at once, while the relay
     * is still writing the console's history to it. What it sent reaches the guest all the same, every time.
     */
    @Test
    void keysSentByAClientThatLeavesAtOnceStillReachTheGuest() throws Exception {
        guestWrites("x".repeat(ConsoleRelay.HISTORY_BYTES) + "\n"); // a full history to write to each client
        for (int i = 0; i < 100; i++) {
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("console.sock")))) {
                client.write(ByteBuffer.wrap(("key" + i + "\n").getBytes(UTF_8)));
            }
            assertThat(qemu.awaitInput("key" + i + "\n")).as("keys of client %d", i).isEqualTo("key" + i + "\n");
        }
    }

    @Test
    void subscribersAreToldWhenTheGuestsConsoleCloses() throws Exception {
        CountDownLatch ended = new CountDownLatch(1);
        long subscribing = System.nanoTime();
        relay.subscribe(b -> {}, ended::countDown);
        qemu.close(); // QEMU exited
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
                        qemu.write(chunk);
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

    /** Replaces the relay with one whose log is kept below {@link ConsoleLog#MIN_LIMIT}. */
    private ConsoleLog restartWithSmallestLimit() throws Exception {
        relay.close();
        ConsoleLog bounded = new ConsoleLog(log, ConsoleLog.MIN_LIMIT);
        relay = new ConsoleRelay("web1", dir.resolve("qemu-console.sock"), bounded, dir.resolve("console.sock"), qemu::connected);
        relay.start();
        return bounded;
    }

    @Test
    void theLogStaysBoundedAndAClientStillSeesTheNewestOutput() throws Exception {
        ConsoleLog bounded = restartWithSmallestLimit();
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
                    // Let the relay catch up with what it reads from the socket.
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

    @Test
    void theLogStaysBoundedWhileNobodyWatches() throws Exception {
        ConsoleLog bounded = restartWithSmallestLimit();
        for (int i = 0; i < 4000; i++) guestWrites("line %05d of a guest that prints a lot\n".formatted(i));
        long deadline = System.nanoTime() + ConsoleRelay.ROTATION_CHECK.multipliedBy(5).toNanos();
        while (Files.size(log) > ConsoleLog.MIN_LIMIT) {
            assertThat(System.nanoTime()).as("the log rotated").isLessThan(deadline);
            Thread.sleep(20);
        }
        assertThat(bounded.previous()).exists();
        assertThat(qemu.connections()).isZero();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        try (var sub = relay.subscribe(b -> write(seen, b), () -> {})) {
            awaitEndsWith(seen, "line 03999 of a guest that prints a lot\n");
        }
    }

    @Test
    void theSeamIsTheLongestStartOfTheStreamTheLogEndsWithWithinWhatTheLogGrew() {
        byte[] log = "abc\nde".getBytes(UTF_8);
        assertThat(ConsoleRelay.overlap(log, "de\nf".getBytes(UTF_8), 10)).isEqualTo(2);
        assertThat(ConsoleRelay.overlap(log, "de\nf".getBytes(UTF_8), 1)).isZero(); // "e" is no start of it
        assertThat(ConsoleRelay.overlap(log, "xyz".getBytes(UTF_8), 10)).isZero();
        assertThat(ConsoleRelay.overlap(log, "\nde".getBytes(UTF_8), 10)).isEqualTo(3);
        assertThat(ConsoleRelay.overlap(log, new byte[0], 10)).isZero();
        assertThat(ConsoleRelay.overlap(log, "de".getBytes(UTF_8), 0)).isZero();
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
