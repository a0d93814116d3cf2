package org.vmhost.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
    ApiFixture api;

    @BeforeEach
    void start() {
        api = new ApiFixture(home, fake);
        fake.pause("web1");
    }

    @AfterEach
    void stop() {
        api.close();
    }

    record Client(WsProbe probe) {
        WebSocket ws() {
            return probe.ws();
        }

        /** The next event, past any state message. */
        String next() throws InterruptedException {
            while (true) {
                String m = probe.next();
                if (!m.contains("\"kind\":\"state\"")) return m;
            }
        }

        /** The next message, event or state. */
        String nextMessage() throws InterruptedException {
            return probe.next();
        }

        /** The messages that came meanwhile, state messages left out. */
        List<String> events() {
            return probe.messages().stream().filter(m -> !m.contains("\"kind\":\"state\"")).toList();
        }
    }

    Client connect() throws Exception {
        return connect(api.token());
    }

    Client connect(String bearer) throws Exception {
        return new Client(WsProbe.open(URI.create(api.origin().replace("http:", "ws:") + "/api/v1/events/ws"),
                "Authorization", "Bearer " + bearer, "Origin", api.origin()));
    }

    /** A token made through the API, as {@code xm token-create} makes one. */
    String newToken(String name, String role) {
        ApiFixture.Reply made = api.admin("POST", "/api/v1/tokens", "{\"name\":\"" + name + "\",\"role\":\"" + role + "\"}");
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        return made.json().path("token").asText();
    }

    @Test
    void aDeletedTokensStreamsCloseAtOnceAndOtherCallersStayOpen() throws Exception {
        String ci = newToken("ci", "VIEWER");
        String ops = newToken("ops", "ADMIN");
        Client a = connect(ci);
        Client b = connect(ci);
        Client other = connect(ops);
        try {
            assertThat(a.next()).contains("\"kind\":\"paused\"");
            assertThat(other.next()).contains("\"kind\":\"paused\"");

            assertThat(api.admin("DELETE", "/api/v1/tokens/ci", null).status()).isEqualTo(204);

            // at once: well before the recheck's period
            assertThat(a.probe().closedWithin(Duration.ofSeconds(3))).startsWith("4401 the token that opened this has ended");
            assertThat(b.probe().closedWithin(Duration.ofSeconds(3))).startsWith("4401");
            assertThat(other.probe().openAfter(Duration.ofMillis(300))).as("another token's stream").isTrue();
            fake.unpause("web1");
            assertThat(other.next()).contains("\"kind\":\"unpaused\"");
        } finally {
            other.ws().abort();
        }
    }

    @Test
    void aTokenRemovedBehindXendsBackClosesItsStreamWithinTheRecheck() throws Exception {
        String ci = newToken("ci", "ADMIN");
        Client a = connect(ci);
        Client other = connect();
        try {
            assertThat(a.next()).contains("\"kind\":\"paused\"");
            Path file = home.resolve("api-tokens.json");
            assertThat(file).exists();
            Files.writeString(file, "[]"); // as an administrator editing it by hand would

            assertThat(a.probe().closedWithin(OpenSockets.RECHECK.plusSeconds(5))).startsWith("4401");
            assertThat(other.probe().openAfter(Duration.ofMillis(100))).as("api.token's stream").isTrue();
        } finally {
            other.ws().abort();
        }
    }

    private static Client counted(Client c) throws InterruptedException {
        assertThat(c.next()).contains("\"kind\":\"paused\"");
        return c;
    }

    @Test
    void oneCallerCannotTakeEveryStreamAndViewersLeaveRoomForAdministrators() throws Exception {
        List<Client> open = new java.util.ArrayList<>();
        try {
            String v1 = newToken("v1", "VIEWER");
            // each waits for its backlog: counted by xend before the next one asks
            for (int i = 0; i < EventStream.PER_CALLER; i++) open.add(counted(connect(v1)));
            Client refused = connect(v1);
            assertThat(refused.probe().closedWithin(Duration.ofSeconds(5)))
                    .isEqualTo("1013 'token:v1' has " + EventStream.PER_CALLER + " event streams open; close some tabs");

            for (int t = 2; open.size() < EventStream.FOR_VIEWERS; t++) {
                String v = newToken("v" + t, "VIEWER");
                for (int i = 0; i < EventStream.PER_CALLER && open.size() < EventStream.FOR_VIEWERS; i++) open.add(counted(connect(v)));
            }
            Client viewer = connect(newToken("late", "VIEWER"));
            assertThat(viewer.probe().closedWithin(Duration.ofSeconds(5))).startsWith("1013 viewers hold "
                    + EventStream.FOR_VIEWERS + " event streams");
            Client admin = connect();
            open.add(admin);
            assertThat(admin.next()).as("an administrator still gets a stream").contains("\"kind\":\"paused\"");
            assertThat(admin.probe().openAfter(Duration.ofMillis(200))).isTrue();
        } finally {
            open.forEach(c -> c.ws().abort());
        }
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
