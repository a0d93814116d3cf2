import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * The least a daemon on xend's libraries can hold in memory: a JVM that serves one JSON answer (a list of one
 * record) on a UNIX socket, with a WebSocket route (an echo) registered beside it, and nothing of xend's own.
 * bench/run measures its resident memory idle, with xend's JVM options and a start-up cache of its own, beside
 * xend's, in three forms (the servers on virtual threads, as xend's is):
 * <ul>
 *   <li>{@code none}: an empty main that sleeps (the JVM with xend's options);
 *   <li>{@code jetty}: Jetty's own handlers without servlets, the JSON written with jackson-core's generator (xend's
 *       stack: its {@code org.vmhost.json} is written on it);
 *   <li>{@code jetty-plain}: Jetty's own handlers, the JSON written out as text.
 * </ul>
 * Usage: {@code java ServeFloor FORM SOCKET [train]}. {@code GET /quit} ends a server (its training run); {@code
 * none} with {@code train} ends at once.
 */
public final class ServeFloor {
    record Domain(String name, int id, long memory, String state) {}

    private static final List<Domain> ANSWER = List.of(new Domain("floor", 1, 256, "r-----"));

    private ServeFloor() {
    }

    public static void main(String[] args) throws Exception {
        String form = args[0];
        Path socket = Path.of(args[1]);
        Files.deleteIfExists(socket);
        switch (form) {
            case "none" -> {
                if (args.length > 2) return; // its training run: nothing to learn but the JVM's own start
                Files.createFile(socket); // no server: the file only says "up"
            }
            case "jetty" -> jetty(socket, true);
            case "jetty-plain" -> jetty(socket, false);
            default -> throw new IllegalArgumentException("unknown form " + form);
        }
        Thread.currentThread().join();
    }

    private static void jetty(Path socket, boolean generator) throws Exception {
        JsonFactory json = generator ? new JsonFactory() : null;
        Server server = new Server(new VirtualThreadPool()); // virtual threads, as xend's server has
        UnixDomainServerConnector unix = new UnixDomainServerConnector(server, new HttpConnectionFactory());
        unix.setUnixDomainPath(socket);
        server.addConnector(unix);
        Handler answers = new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                switch (Request.getPathInContext(request)) {
                    case "/x" -> {
                        Domain d = ANSWER.getFirst();
                        String body = json != null ? write(json, ANSWER)
                                : "[{\"name\":\"" + d.name() + "\",\"id\":" + d.id() + ",\"memory\":" + d.memory()
                                        + ",\"state\":\"" + d.state() + "\"}]";
                        response.getHeaders().put("Content-Type", "application/json");
                        Content.Sink.write(response, true, body, callback);
                    }
                    case "/quit" -> {
                        Content.Sink.write(response, true, "", callback);
                        quitSoon();
                    }
                    default -> {
                        return false;
                    }
                }
                return true;
            }
        };
        ContextHandler context = new ContextHandler("/");
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, context, c -> c.addMapping("/ws",
                (request, response, callback) -> new Session.Listener.AbstractAutoDemanding() {
                    @Override
                    public void onWebSocketText(String message) {
                        getSession().sendText(message, org.eclipse.jetty.websocket.api.Callback.NOOP);
                    }
                }));
        ws.setHandler(answers);
        context.setHandler(ws);
        server.setHandler(context);
        server.start();
    }

    private static String write(JsonFactory json, List<Domain> domains) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartArray();
            for (Domain d : domains) {
                g.writeStartObject();
                g.writeStringField("name", d.name());
                g.writeNumberField("id", d.id());
                g.writeNumberField("memory", d.memory());
                g.writeStringField("state", d.state());
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Ends the JVM once the answer is out, so that a training run writes its cache. */
    private static void quitSoon() {
        Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.exit(0);
        });
    }
}
