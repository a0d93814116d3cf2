package org.vmhost.api;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.websocket.api.Callback;
import org.vmhost.domain.ConsoleEndpoint;
import org.vmhost.error.VmhostException;

/**
 * A domain's consoles as WebSockets for the browser: {@code .../console/ws} carries the serial console (history
 * first, as {@code xm console} shows it), {@code .../vnc/ws} the graphical console as RFB (noVNC speaks it over
 * the WebSocket). Each connection is a client of the console's local socket ({@link ConsoleEndpoint}); bytes are
 * copied both ways unchanged, as binary messages (a text message's UTF-8 is typed as well).
 *
 * <p>Access is checked at the upgrade ({@link AccessRule#checkUpgrade}): an administrator only, never a viewer,
 * never another site's page. When the console ends (the guest stopped or rebooted into a new QEMU, xend stops)
 * the WebSocket closes, and the page reconnects. A close code of {@value #NO_CONSOLE} says why there is none,
 * with xend's message as the reason.
 */
final class ConsoleSockets implements WsConnection.Endpoint {
    private static final Logger LOG = Logger.getLogger(ConsoleSockets.class.getName());
    /** Closes a WebSocket whose domain has no such console now (not running, no display, no such domain). */
    static final int NO_CONSOLE = 4404;
    /** Output is sent in messages of at most this size; one at a time, so a slow browser holds up only itself. */
    private static final int CHUNK = 64 * 1024;
    /** A browser that takes longer than this for one message is gone. */
    private static final long SEND_TIMEOUT_SECONDS = 30;
    /** Pings keep an idle console open past Jetty's idle timeout, and find browsers that vanished. */
    private static final Duration PING = Duration.ofSeconds(15);

    private final Function<String, ConsoleEndpoint> endpoint;
    private final String kind;
    private final Map<String, SocketChannel> open = new ConcurrentHashMap<>();

    /** @param endpoint the console of a domain, by reference; {@code kind} names it in messages */
    ConsoleSockets(Function<String, ConsoleEndpoint> endpoint, String kind) {
        this.endpoint = endpoint;
        this.kind = kind;
    }

    @Override
    public void opened(WsConnection ctx) {
        String ref = ctx.pathParam("ref");
        SocketChannel ch;
        try {
            Path socket = Path.of(endpoint.apply(ref).socket());
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                ch.close();
                throw e;
            }
        } catch (VmhostException e) {
            ctx.close(NO_CONSOLE, reason(e.getMessage()));
            return;
        } catch (IOException e) {
            ctx.close(NO_CONSOLE, reason("the " + kind + " of domain '" + ref + "' cannot be reached: " + e.getMessage()));
            return;
        }
        open.put(ctx.id(), ch);
        ctx.pingEvery(PING);
        Thread.ofVirtual().name("ws-" + kind + "-" + ref).start(() -> pump(ctx, ch));
    }

    @Override
    public void binary(WsConnection ctx, ByteBuffer data) {
        type(ctx, data);
    }

    @Override
    public void text(WsConnection ctx, String message) {
        type(ctx, ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void closed(WsConnection ctx) {
        end(ctx.id());
    }

    /** What the browser sends goes to the console; a console that has gone ends the WebSocket. */
    private void type(WsConnection ctx, ByteBuffer data) {
        SocketChannel ch = open.get(ctx.id());
        if (ch == null) return;
        try {
            while (data.hasRemaining()) ch.write(data);
        } catch (IOException e) {
            end(ctx.id());
        }
    }

    /** The console's output to the browser, one message at a time; the socket's end closes the WebSocket. */
    private void pump(WsConnection ctx, SocketChannel ch) {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        try {
            while (ch.read(buf) >= 0) {
                buf.flip();
                Callback.Completable sent = new Callback.Completable();
                ctx.sendBinary(buf, sent);
                sent.get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                buf.clear();
            }
            ctx.close(1000, "the " + kind + " closed");
        } catch (IOException | ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.log(Level.FINE, kind + " WebSocket ended", e);
            ctx.close(1001, "the " + kind + " ended");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            end(ctx.id());
        }
    }

    private void end(String session) {
        SocketChannel ch = open.remove(session);
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException e) {
            // already closed
        }
    }

    /** A close reason fits in 123 bytes of UTF-8. */
    static String reason(String message) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= 123) return message;
        String cut = message;
        while (cut.getBytes(StandardCharsets.UTF_8).length > 120) cut = cut.substring(0, cut.length() - 1);
        return cut + "...";
    }
}
