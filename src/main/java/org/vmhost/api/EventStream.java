package org.vmhost.api;

import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.vmhost.domain.DomainService;
import org.vmhost.event.DomainEvent;

/**
 * {@code /api/v1/events/ws}: xend's event log as a WebSocket, one JSON event per message, the newest
 * {@value #BACKLOG} first and then each new one as it is logged, for the web GUI to keep its state from. The
 * service has no subscription, so a virtual thread per client reads the log's tail every half second.
 */
final class EventStream {
    static final int BACKLOG = 100;
    /** Each stream reads the log twice a second; more clients than this are refused rather than slow xend. */
    static final int MAX_STREAMS = 64;
    private static final Duration POLL = Duration.ofMillis(500);

    private final DomainService service;
    private final Map<String, Thread> pumps = new ConcurrentHashMap<>();

    EventStream(DomainService service) {
        this.service = service;
    }

    void configure(WsConfig ws) {
        ws.onConnect(ctx -> {
            if (pumps.size() >= MAX_STREAMS) {
                ctx.closeSession(1013, "too many event streams; try again later");
                return;
            }
            pumps.put(ctx.sessionId(), Thread.ofVirtual().name("events-ws").start(() -> pump(ctx)));
        });
        ws.onClose(ctx -> stop(ctx.sessionId()));
        ws.onError(ctx -> stop(ctx.sessionId()));
    }

    private void stop(String id) {
        Thread t = pumps.remove(id);
        if (t != null) t.interrupt();
    }

    private void pump(WsContext ctx) {
        List<DomainEvent> seen = List.of();
        try {
            while (ctx.session.isOpen()) {
                List<DomainEvent> now = service.events(BACKLOG);
                for (DomainEvent e : newer(seen, now)) ctx.send(new String(Json.write(e), java.nio.charset.StandardCharsets.UTF_8));
                seen = now;
                Thread.sleep(POLL);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            ctx.closeSession(1011, "xend cannot read its event log");
        }
    }

    /** The events of {@code now} after the last one of {@code seen} (both oldest first). */
    static List<DomainEvent> newer(List<DomainEvent> seen, List<DomainEvent> now) {
        if (seen.isEmpty()) return now;
        DomainEvent last = seen.get(seen.size() - 1);
        int at = now.lastIndexOf(last);
        return at < 0 ? now : now.subList(at + 1, now.size());
    }
}
