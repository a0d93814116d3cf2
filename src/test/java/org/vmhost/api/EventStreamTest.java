package org.vmhost.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.domain.DomainState;
import org.vmhost.domain.FakeDomainService;
import org.vmhost.event.DomainEvent;

/** The events WebSocket pushes: one pump for all clients, woken by the service when an event is logged. */
class EventStreamTest {
    @TempDir
    Path home;
    final FakeDomainService fake = new FakeDomainService().with(FakeDomainService.domain("web1", DomainState.RUNNING));
    ApiServer server;
    String token;

    @BeforeEach
    void start() throws Exception {
        server = new ApiServer(fake, ApiSettings.of(home.resolve("run/xend.sock"), home.resolve("api.token")).withTcp("127.0.0.1", 0));
        server.start();
        token = Files.readString(home.resolve("api.token")).strip();
        fake.pause("web1");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    record Client(WebSocket ws, BlockingQueue<String> messages) {
        /** The next event, past any state message. */
        String next() throws InterruptedException {
            while (true) {
                String m = messages.poll(10, TimeUnit.SECONDS);
                assertThat(m).as("a message within 10 s").isNotNull();
                if (!m.contains("\"kind\":\"state\"")) return m;
            }
        }

        /** The next message, event or state. */
        String nextMessage() throws InterruptedException {
            String m = messages.poll(10, TimeUnit.SECONDS);
            assertThat(m).as("a message within 10 s").isNotNull();
            return m;
        }

        /** The messages that came meanwhile, state messages left out. */
        List<String> events() {
            return messages.stream().filter(m -> !m.contains("\"kind\":\"state\"")).toList();
        }
    }

    Client connect() throws Exception {
        BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Authorization", "Bearer " + token)
                .header("Origin", "http://127.0.0.1:" + server.tcpPort().orElseThrow())
                .buildAsync(URI.create("ws://127.0.0.1:" + server.tcpPort().orElseThrow() + "/api/v1/events/ws"),
                        new WebSocket.Listener() {
                            @Override
                            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                                messages.add(data.toString());
                                webSocket.request(1);
                                return null;
                            }
                        }).get(10, TimeUnit.SECONDS);
        return new Client(ws, messages);
    }

    @Test
    void everyClientGetsTheBacklogAndThenEachEventOnceAsSoonAsItIsLogged() throws Exception {
        Client a = connect();
        Client b = connect();
        try {
            assertThat(a.next()).contains("\"kind\":\"paused\"");
            assertThat(b.next()).contains("\"kind\":\"paused\"");

            for (int i = 0; i < 3; i++) {
                long before = System.nanoTime();
                fake.unpause("web1");
                assertThat(a.next()).contains("\"kind\":\"unpaused\"");
                assertThat(b.next()).contains("\"kind\":\"unpaused\"");
                // pushed, not polled: well under the old half-second poll, even on a loaded 2-CPU machine
                assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofMillis(300));
                fake.pause("web1");
                assertThat(a.next()).contains("\"kind\":\"paused\"");
                assertThat(b.next()).contains("\"kind\":\"paused\"");
            }
            Thread.sleep(200);
            assertThat(a.events()).as("nothing sent twice").isEmpty();
            assertThat(b.events()).as("nothing sent twice").isEmpty();
        } finally {
            a.ws().abort();
            b.ws().abort();
        }
    }

    @Test
    void aClientArrivingLaterGetsTheBacklogOnlyAndTheStreamGoesOnAfterOthersLeft() throws Exception {
        Client a = connect();
        assertThat(a.next()).contains("\"kind\":\"paused\"");
        a.ws().abort();
        fake.unpause("web1");

        Client b = connect();
        try {
            assertThat(b.next()).contains("\"kind\":\"paused\"");
            assertThat(b.next()).contains("\"kind\":\"unpaused\"");
            fake.pause("web1");
            assertThat(b.next()).contains("\"kind\":\"paused\"");
            Thread.sleep(200);
            assertThat(b.events()).isEmpty();
        } finally {
            b.ws().abort();
        }
    }

    @Test
    void aStateChangeIsSentBesideItsEventAndADomainThatCameOrWentToo() throws Exception {
        Client a = connect();
        try {
            assertThat(a.nextMessage()).contains("\"kind\":\"paused\"");
            fake.unpause("web1");
            // the two may cross: the state is read a moment after the log, each by the wake that sees it
            assertThat(List.of(a.nextMessage(), a.nextMessage())).anySatisfy(m -> assertThat(m).contains("\"kind\":\"unpaused\""))
                    .contains("{\"kind\":\"state\",\"domain\":\"web1\",\"state\":\"RUNNING\"}");
        } finally {
            a.ws().abort();
        }
        assertThat(EventStream.stateChanges(Map.of("a", "RUNNING", "b", "PAUSED"), Map.of("a", "RUNNING", "c", "STARTING")))
                .containsExactlyInAnyOrder("{\"kind\":\"state\",\"domain\":\"c\",\"state\":\"STARTING\"}",
                        "{\"kind\":\"state\",\"domain\":\"b\",\"state\":\"gone\"}");
    }

    @Test
    void newerSkipsAReadOlderThanWhatWasSent() {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        DomainEvent e1 = DomainEvent.of(t, "a", "started", "1");
        DomainEvent e2 = DomainEvent.of(t.plusSeconds(1), "a", "paused", "2");
        DomainEvent e3 = DomainEvent.of(t.plusSeconds(2), "a", "unpaused", "3");

        assertThat(EventStream.newer(List.of(), List.of(e1, e2))).containsExactly(e1, e2);
        assertThat(EventStream.newer(List.of(e1, e2), List.of(e1, e2, e3))).containsExactly(e3);
        assertThat(EventStream.newer(List.of(e1, e2, e3), List.of(e1, e2))).isEmpty();
        assertThat(EventStream.newer(List.of(e1), List.of(e2, e3))).containsExactly(e2, e3);
    }
}
