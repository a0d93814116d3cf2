package org.vmhost.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.vmhost.domain.DomainService;
import org.vmhost.event.DomainEvent;

/**
 * {@code /api/v1/events/ws}: xend's event log as a WebSocket, one JSON event per message, the newest
 * {@value #BACKLOG} first and then each new one as it is logged, for the web GUI to keep its state from.
 *
 * <p>One pump thread serves every client while there are any: it sleeps in {@link DomainService#awaitEvents}
 * until xend commits an event or a domain changes state, reads the log's tail once, and sends each client what it
 * has not had, so an event reaches the browsers milliseconds after its commit and the log is read once per change,
 * whatever the number of clients. A domain whose state changed with no event logged (one {@code xm create} is
 * starting, before its {@code started}) is sent as {@code {"kind": "state", "domain": NAME, "state": STATE}}
 * ({@code "gone"} when it left), so that a page shows it at once. {@link #IDLE} bounds each sleep, so that a log written by another process is still seen.
 * A new client is sent its backlog by the thread that accepts it. Sends do not block (Jetty queues them): a
 * slow client does not hold up the others.
 */
final class EventStream implements WsConnection.Endpoint {
    static final int BACKLOG = 100;
    /** The close code of a refused stream (RFC 6455's "try again later"). */
    static final int TRY_AGAIN_LATER = 1013;
    /** More clients than this are refused rather than let one browser fill xend's memory with sockets. */
    static final int MAX_STREAMS = 64;
    /** The most streams one caller (a user's tabs, a token) may hold: no one takes every place. */
    static final int PER_CALLER = 16;
    /** The most streams viewers may hold together: the rest stay for administrators, whatever viewers do. */
    static final int FOR_VIEWERS = 32;
    /** The longest the pump sleeps without a signal before it reads the log anyway. */
    static final Duration IDLE = Duration.ofSeconds(5);

    private final DomainService service;
    private final Map<String, Client> clients = new ConcurrentHashMap<>();
    private Thread pump; // guarded by this

    /** A client and the events it was last brought up to; its lock orders the pump's sends and the backlog's. */
    private static final class Client {
        final WsConnection ctx;
        final Caller caller;
        final ReentrantLock lock = new ReentrantLock();
        List<DomainEvent> seen = List.of();

        Client(WsConnection ctx, Caller caller) {
            this.ctx = ctx;
            this.caller = caller;
        }

        void sendAll(List<String> messages) {
            if (messages.isEmpty()) return;
            lock.lock();
            try {
                if (ctx.isOpen()) for (String m : messages) ctx.send(m);
            } finally {
                lock.unlock();
            }
        }

        void bringUpTo(List<DomainEvent> now) {
            lock.lock();
            try {
                if (!ctx.isOpen()) return;
                List<DomainEvent> fresh = newer(seen, now);
                for (DomainEvent e : fresh) ctx.send(new String(Json.write(e), StandardCharsets.UTF_8));
                if (!fresh.isEmpty()) seen = now;
            } finally {
                lock.unlock();
            }
        }
    }

    EventStream(DomainService service) {
        this.service = service;
    }

    @Override
    public void opened(WsConnection ctx) {
        Client c = new Client(ctx, ctx.grant().caller());
        c.lock.lock();
        try {
            // Registered before the backlog is read: an event committed after that read wakes the pump,
            // which then finds this client.
            String refused;
            synchronized (clients) {
                refused = refusal(c.caller);
                if (refused == null) clients.put(ctx.id(), c);
            }
            if (refused != null) {
                ctx.close(TRY_AGAIN_LATER, ConsoleSockets.reason(refused));
                return;
            }
            startPump();
            c.bringUpTo(service.events(BACKLOG));
        } catch (RuntimeException e) {
            clients.remove(ctx.id());
            ctx.close(1011, "xend cannot read its event log");
        } finally {
            c.lock.unlock();
        }
    }

    @Override
    public void closed(WsConnection ctx) {
        clients.remove(ctx.id());
    }

    /** Why {@code caller} may not have another stream now, or null if it may. */
    private String refusal(Caller caller) {
        if (clients.size() >= MAX_STREAMS) return "too many event streams; try again later";
        long own = clients.values().stream().filter(c -> c.caller.name().equals(caller.name())).count();
        if (own >= PER_CALLER) return "'" + caller.name() + "' has " + PER_CALLER + " event streams open; close some tabs";
        boolean viewer = !caller.role().allows(Role.ADMIN);
        if (viewer && clients.values().stream().filter(c -> !c.caller.role().allows(Role.ADMIN)).count() >= FOR_VIEWERS)
            return "viewers hold " + FOR_VIEWERS + " event streams; the rest are for administrators; try again later";
        return null;
    }

    /**
     * Starts the pump if none runs, with the domains' states as they are now, on the connecting thread: read before
     * the new client's backlog, so that a state that changes after that read is sent as a change (read by the pump
     * itself, it could already hold the new state, and the change was never sent).
     */
    private synchronized void startPump() {
        if (pump != null) return;
        Map<String, String> states = states();
        pump = Thread.ofVirtual().name("events-ws").start(() -> pump(states));
    }

    /** Whether the pump should go on; it ends (and the next client starts another) when no client is left. */
    private synchronized boolean keepPumping() {
        if (!clients.isEmpty()) return true;
        pump = null;
        return false;
    }

    private void pump(Map<String, String> states) {
        long seq = 0;
        try {
            while (keepPumping()) {
                long next = service.awaitEvents(seq, IDLE);
                if (next == seq && clients.isEmpty()) continue;
                seq = next;
                List<DomainEvent> now;
                try {
                    now = service.events(BACKLOG);
                } catch (RuntimeException e) {
                    for (Client c : clients.values()) c.ctx.close(1011, "xend cannot read its event log");
                    clients.clear();
                    continue;
                }
                for (Client c : clients.values()) c.bringUpTo(now);
                Map<String, String> after = states();
                List<String> changes = stateChanges(states, after);
                states = after;
                for (Client c : clients.values()) c.sendAll(changes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            synchronized (this) {
                pump = null;
            }
        }
    }

    /** Each domain's state by name (Domain-0 left out); empty if the service cannot say. */
    private Map<String, String> states() {
        Map<String, String> states = new java.util.HashMap<>();
        try {
            for (var d : service.list()) if (!d.name().equals("Domain-0")) states.put(d.name(), d.state().name());
        } catch (RuntimeException e) {
            // the next wake reads them again; the events still flow
        }
        return states;
    }

    /** A {@code state} message for each domain whose state differs between the two maps, or that came or went. */
    static List<String> stateChanges(Map<String, String> before, Map<String, String> after) {
        List<String> messages = new java.util.ArrayList<>();
        after.forEach((name, state) -> {
            if (!state.equals(before.get(name))) messages.add(stateMessage(name, state));
        });
        before.keySet().stream().filter(n -> !after.containsKey(n)).forEach(n -> messages.add(stateMessage(n, "gone")));
        return messages;
    }

    private static String stateMessage(String name, String state) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("kind", "state");
        m.put("domain", name);
        m.put("state", state);
        return new String(Json.write(m), StandardCharsets.UTF_8);
    }

    /**
     * The events of {@code now} after the last one of {@code seen} (both oldest first): none if {@code now} is the
     * same or an older read of the log than {@code seen} (two threads read it, and their sends may cross), all of
     * it if {@code seen} has left the log's tail.
     */
    static List<DomainEvent> newer(List<DomainEvent> seen, List<DomainEvent> now) {
        if (seen.isEmpty()) return now;
        if (now.isEmpty()) return List.of();
        if (seen.contains(now.get(now.size() - 1))) return List.of();
        DomainEvent last = seen.get(seen.size() - 1);
        int at = now.lastIndexOf(last);
        return at < 0 ? now : now.subList(at + 1, now.size());
    }
}
