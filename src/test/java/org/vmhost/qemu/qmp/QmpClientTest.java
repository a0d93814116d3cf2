package org.vmhost.qemu.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.json.JsonValue;
import org.vmhost.qemu.qmp.FakeQmpServer.Command;
import org.vmhost.qemu.qmp.QmpConnectionException.Reason;

class QmpClientTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    @Test
    void connectAnswersTheGreetingWithQmpCapabilities() throws Exception {
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.greet();
            Command capabilities = peer.receive();
            assertThat(capabilities.name()).isEqualTo("qmp_capabilities");
            assertThat(capabilities.id()).isNotNull();
            peer.reply(capabilities);
            peer.reply(peer.receive("query-status"), Map.of("status", "running", "running", true, "singlestep", false));
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), TIMEOUT)) {
            assertThat(qmp.queryStatus()).isEqualTo(new QmpStatus("running", true));
            assertThat(qmp.isOpen()).isTrue();
            qemu.await();
        }
    }

    @Test
    void typedCallsSendQemuCommandNames() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            for (int i = 0; i < 4; i++) {
                Command c = peer.receive();
                seen.add(c.name());
                peer.reply(c);
            }
            peer.reply(peer.receive("query-status"), Map.of("status", "paused", "running", false));
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), TIMEOUT)) {
            qmp.stop();
            qmp.cont();
            qmp.systemPowerdown();
            qmp.systemReset();
            assertThat(qmp.queryStatus()).isEqualTo(new QmpStatus("paused", false));
            qemu.await();
        }
        assertThat(seen).containsExactly("stop", "cont", "system_powerdown", "system_reset");
    }

    @Test
    void executePassesArgumentsAndReturnsTheReturnValue() throws Exception {
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            Command c = peer.receive("block_resize");
            assertThat(c.arguments().path("node-name").asText()).isEqualTo("disk0");
            assertThat(c.arguments().path("size").asLong()).isEqualTo(1L << 30);
            peer.reply(c, Map.of("done", true));
            Command bare = peer.receive("query-name");
            assertThat(bare.message().has("arguments")).isFalse();
            peer.reply(bare, Map.of());
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), TIMEOUT)) {
            JsonValue result = qmp.execute("block_resize", Map.of("node-name", "disk0", "size", 1L << 30));
            assertThat(result.path("done").asBoolean()).isTrue();
            assertThat(qmp.execute("query-name").isEmpty()).isTrue();
            qemu.await();
        }
    }

    @Test
    void repliesAreMatchedByIdWhenTheyArriveOutOfOrder() throws Exception {
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            Command first = peer.receive();
            Command second = peer.receive();
            peer.reply(second, Map.of("answer", second.name()));
            peer.reply(first, Map.of("answer", first.name()));
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), TIMEOUT);
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<JsonValue> a = threads.submit(() -> qmp.execute("query-a"));
            Future<JsonValue> b = threads.submit(() -> qmp.execute("query-b"));
            assertThat(a.get(5, TimeUnit.SECONDS).path("answer").asText()).isEqualTo("query-a");
            assertThat(b.get(5, TimeUnit.SECONDS).path("answer").asText()).isEqualTo("query-b");
            qemu.await();
        }
    }

    @Test
    void manyConcurrentCallersEachGetTheirOwnReply() throws Exception {
        int callers = 50;
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            List<Command> received = new ArrayList<>();
            for (int i = 0; i < callers; i++) received.add(peer.receive());
            Collections.shuffle(received);
            for (Command c : received) peer.reply(c, Map.of("echo", c.arguments().path("n").asInt()));
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), TIMEOUT);
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<JsonValue>> replies = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                int n = i;
                replies.add(threads.submit(() -> qmp.execute("echo", Map.of("n", n))));
            }
            for (int i = 0; i < callers; i++) {
                assertThat(replies.get(i).get(5, TimeUnit.SECONDS).path("echo").asInt()).isEqualTo(i);
            }
            qemu.await();
        }
    }

    @Test
    void eventsArriveInOrderEvenBetweenAReplyAndTheNextCommand() throws Exception {
        BlockingQueue<QmpEvent> events = new LinkedBlockingQueue<>();
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            Command stop = peer.receive("stop");
            peer.event("A", Map.of("n", 1));
            peer.event("STOP", Map.of());
            peer.reply(stop);
            peer.event("C", Map.of("n", 3));
            peer.reply(peer.receive("cont"));
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), TIMEOUT, events::add)) {
            qmp.stop();
            qmp.cont();
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 3; i++) names.add(events.poll(5, TimeUnit.SECONDS).name());
            assertThat(names).containsExactly("A", "STOP", "C");
            qemu.await();
        }
    }

    @Test
    void eventsCarryDataAndQemusTimestamp() throws Exception {
        BlockingQueue<QmpEvent> events = new LinkedBlockingQueue<>();
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            peer.send("{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}, "
                    + "\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 250000}}\n");
            peer.send("{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 1700000001, \"microseconds\": 0}}\n");
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), TIMEOUT, events::add)) {
            QmpEvent shutdown = events.poll(5, TimeUnit.SECONDS);
            assertThat(shutdown.name()).isEqualTo("SHUTDOWN");
            assertThat(shutdown.data().path("reason").asText()).isEqualTo("guest-shutdown");
            assertThat(shutdown.timestamp().toEpochMilli()).isEqualTo(1_700_000_000_250L);
            QmpEvent resume = events.poll(5, TimeUnit.SECONDS);
            assertThat(resume.data().isEmpty()).isTrue();
            qemu.await();
        }
    }

    @Test
    void aListenerThatThrowsDoesNotStopDelivery() throws Exception {
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            peer.event("ONE", Map.of());
            peer.event("TWO", Map.of());
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), TIMEOUT, e -> {
            seen.add(e.name());
            throw new IllegalStateException("listener bug");
        })) {
            assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("ONE");
            assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("TWO");
            qemu.await();
        }
    }

    @Test
    void aListenerMayCallTheClient() throws Exception {
        BlockingQueue<QmpStatus> statuses = new LinkedBlockingQueue<>();
        CountDownLatch subscribed = new CountDownLatch(1);
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            subscribed.await();
            peer.event("STOP", Map.of());
            peer.reply(peer.receive("query-status"), Map.of("status", "paused", "running", false));
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), TIMEOUT)) {
            qmp.subscribe(e -> {
                try {
                    statuses.add(qmp.queryStatus());
                } catch (QmpException | InterruptedException ex) {
                    throw new IllegalStateException(ex);
                }
            });
            subscribed.countDown();
            assertThat(statuses.poll(5, TimeUnit.SECONDS)).isEqualTo(new QmpStatus("paused", false));
            qemu.await();
        }
    }

    @Test
    void unsubscribedListenersHearNothingMore() throws Exception {
        BlockingQueue<String> kept = new LinkedBlockingQueue<>();
        BlockingQueue<String> dropped = new LinkedBlockingQueue<>();
        CountDownLatch subscribed = new CountDownLatch(1);
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            subscribed.await();
            peer.event("LATER", Map.of());
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), TIMEOUT, e -> kept.add(e.name()))) {
            qmp.subscribe(e -> dropped.add(e.name())).close();
            subscribed.countDown();
            assertThat(kept.poll(5, TimeUnit.SECONDS)).isEqualTo("LATER");
            assertThat(dropped).isEmpty();
            qemu.await();
        }
    }

    @Test
    void anErrorReplyBecomesQmpErrorExceptionWithClassDescriptionAndCommand() throws Exception {
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            peer.error(peer.receive("eject"), "DeviceNotFound", "Device 'cd9' not found");
            peer.reply(peer.receive("cont"));
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), TIMEOUT)) {
            assertThatThrownBy(() -> qmp.execute("eject", Map.of("id", "cd9")))
                    .isInstanceOfSatisfying(QmpErrorException.class, e -> {
                        assertThat(e.errorClass()).isEqualTo("DeviceNotFound");
                        assertThat(e.description()).isEqualTo("Device 'cd9' not found");
                        assertThat(e.command()).contains("eject");
                        assertThat(e.socket()).isEqualTo(qemu.socket());
                    })
                    .hasMessage("QMP command 'eject' on " + qemu.socket() + " failed: DeviceNotFound: Device 'cd9' not found");
            qmp.cont(); // the connection survives an error reply
            qemu.await();
        }
    }

    @Test
    void aSocketClosedMidCommandFailsEveryPendingCall() throws Exception {
        CountDownLatch bothSent = new CountDownLatch(1);
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            peer.receive();
            peer.receive();
            peer.hangUp();
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), Duration.ofSeconds(30));
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> a = threads.submit(() -> qmp.execute("query-block"));
            Future<?> b = threads.submit(() -> qmp.execute("query-pci"));
            bothSent.countDown();
            for (Future<?> call : List.of(a, b)) {
                assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).cause()
                        .isInstanceOfSatisfying(QmpConnectionException.class, e -> {
                            assertThat(e.reason()).isEqualTo(Reason.CLOSED_BY_PEER);
                            assertThat(e.command()).isPresent();
                        })
                        .hasMessageContaining("connection closed by QEMU");
            }
            assertThat(qmp.closed()).succeedsWithin(Duration.ofSeconds(5));
            assertThat(qmp.isOpen()).isFalse();
            assertThatThrownBy(qmp::stop).isInstanceOfSatisfying(QmpConnectionException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.CLOSED_BY_PEER));
            qemu.await();
        }
    }

    @Test
    void eventsSentBeforeTheSocketClosedAreDeliveredBeforeClosedCompletes() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            peer.event("SHUTDOWN", Map.of("guest", false, "reason", "host-qmp-quit"));
            peer.hangUp();
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), TIMEOUT, e -> seen.add(e.name()))) {
            assertThat(qmp.closed()).succeedsWithin(Duration.ofSeconds(5));
            assertThat(seen).containsExactly("SHUTDOWN");
            qemu.await();
        }
    }

    @Test
    void quitCountsAConnectionClosedBeforeTheReplyAsDone() throws Exception {
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            peer.receive("quit");
            peer.hangUp();
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), TIMEOUT)) {
            qmp.quit();
            qemu.await();
        }
    }

    @Test
    void closingTheClientFailsPendingCallsAsClosedByTheClient() throws Exception {
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            peer.receive("query-status");
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), Duration.ofSeconds(30));
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> call = threads.submit(() -> qmp.queryStatus());
            qemu.await(); // the command has reached the server
            qmp.close();
            assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).cause()
                    .isInstanceOfSatisfying(QmpConnectionException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.CLOSED_BY_CLIENT));
        }
    }

    @Test
    void aCallWithoutReplyTimesOutAndALateReplyIsDropped() throws Exception {
        CountDownLatch timedOut = new CountDownLatch(1);
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            Command slow = peer.receive("query-slow");
            timedOut.await();
            peer.reply(slow, Map.of("late", true));
            peer.reply(peer.receive("query-fast"), Map.of("late", false));
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), TIMEOUT)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> qmp.execute("query-slow", null, Duration.ofMillis(200)))
                    .isInstanceOfSatisfying(QmpTimeoutException.class, e -> {
                        assertThat(e.timeout()).isEqualTo(Duration.ofMillis(200));
                        assertThat(e.command()).contains("query-slow");
                    })
                    .hasMessageContaining("got no reply within 200 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            timedOut.countDown();
            assertThat(qmp.execute("query-fast").path("late").asBoolean()).isFalse();
            qemu.await();
        }
    }

    @Test
    void connectTimesOutWhenNoGreetingComes() throws Exception {
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> Thread.sleep(2000))) {
            assertThatThrownBy(() -> QmpClient.connect(qemu.socket(), Duration.ofMillis(300)))
                    .isInstanceOfSatisfying(QmpTimeoutException.class, e -> assertThat(e.command()).isEmpty())
                    .hasMessageContaining("no QMP greeting");
        }
    }

    @Test
    void connectToAMissingSocketNamesThePath() {
        Path missing = dir.resolve("nobody.sock");
        assertThatThrownBy(() -> QmpClient.connect(missing, TIMEOUT))
                .isInstanceOfSatisfying(QmpConnectionException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.CONNECT_FAILED))
                .hasMessageContaining(missing.toString());
    }

    @Test
    void somethingOtherThanAGreetingIsAProtocolError() throws Exception {
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> peer.send("{\"hello\": 1}\n"))) {
            assertThatThrownBy(() -> QmpClient.connect(qemu.socket(), TIMEOUT))
                    .isInstanceOfSatisfying(QmpConnectionException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.PROTOCOL_ERROR))
                    .hasMessageContaining("expected the QMP greeting");
            qemu.await();
        }
    }

    @Test
    void messagesSplitAcrossWritesAndSharingAWriteAreReassembled() throws Exception {
        BlockingQueue<QmpEvent> events = new LinkedBlockingQueue<>();
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            String greeting = FakeQmpServer.GREETING + "\n";
            peer.send(greeting.substring(0, 10));
            Thread.sleep(50);
            peer.send(greeting.substring(10));
            Command caps = peer.receive("qmp_capabilities");
            peer.send("{\"return\": {}, \"id\": " + caps.id() + "}\r\n\n{\"event\": \"ONE\", "
                    + "\"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\n{\"event\": \"TW");
            Thread.sleep(50);
            peer.send("O\", \"timestamp\": {\"seconds\": 2, \"microseconds\": 0}}\n");
            Command status = peer.receive("query-status");
            String reply = "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": " + status.id() + "}\n";
            for (char ch : reply.toCharArray()) peer.send(String.valueOf(ch));
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), TIMEOUT, events::add)) {
            assertThat(qmp.queryStatus().running()).isTrue();
            assertThat(events.poll(5, TimeUnit.SECONDS).name()).isEqualTo("ONE");
            assertThat(events.poll(5, TimeUnit.SECONDS).name()).isEqualTo("TWO");
            qemu.await();
        }
    }

    @Test
    void aGarbageLineClosesTheConnectionWithAProtocolError() throws Exception {
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            peer.receive("query-status");
            peer.send("qemu-system-x86_64: this is not JSON\n");
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), Duration.ofSeconds(30))) {
            assertThatThrownBy(qmp::queryStatus)
                    .isInstanceOfSatisfying(QmpConnectionException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.PROTOCOL_ERROR))
                    .hasMessageContaining("not JSON: 'qemu-system-x86_64: this is not JSON'");
            assertThat(qmp.isOpen()).isFalse();
            qemu.await();
        }
    }

    @Test
    void aStreamEndingInsideAMessageIsAClosedConnection() throws Exception {
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            peer.receive("query-status");
            peer.send("{\"return\": {\"status\": \"runn");
            peer.hangUp();
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), Duration.ofSeconds(30))) {
            assertThatThrownBy(qmp::queryStatus)
                    .isInstanceOfSatisfying(QmpConnectionException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.CLOSED_BY_PEER))
                    .hasMessageContaining("inside a message");
            qemu.await();
        }
    }

    @Test
    void aMalformedQueryStatusAnswerIsAProtocolError() throws Exception {
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            peer.reply(peer.receive("query-status"), Map.of("state", "running"));
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), TIMEOUT)) {
            assertThatThrownBy(qmp::queryStatus)
                    .isInstanceOfSatisfying(QmpConnectionException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.PROTOCOL_ERROR));
            qemu.await();
        }
    }
}
