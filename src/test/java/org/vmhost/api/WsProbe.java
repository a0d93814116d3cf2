package org.vmhost.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A WebSocket client for the tests, as a browser's page holds one: the text messages it got, and how xend closed it
 * ({@code "CODE reason"}).
 */
public record WsProbe(WebSocket ws, BlockingQueue<String> messages, CompletableFuture<String> closed) {

    /** Opens {@code uri} with the given headers (name, value, ...); fails if the upgrade is refused within 10 s. */
    public static WsProbe open(URI uri, String... headers) throws Exception {
        BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        CompletableFuture<String> closed = new CompletableFuture<>();
        WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder();
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        WebSocket ws = b.buildAsync(uri, new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                messages.add(data.toString());
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                closed.complete(statusCode + " " + reason);
                return null;
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
                closed.complete("error " + error);
            }
        }).get(10, TimeUnit.SECONDS);
        return new WsProbe(ws, messages, closed);
    }

    /** How xend closed it ({@code "4401 ..."}), waiting at most {@code limit}; fails if it is still open then. */
    public String closedWithin(Duration limit) throws Exception {
        try {
            return closed.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the WebSocket is still open after " + limit);
        }
    }

    /** Whether it is open after {@code wait}: nothing closed it meanwhile. */
    public boolean openAfter(Duration wait) throws Exception {
        try {
            closed.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return false;
        } catch (TimeoutException e) {
            return true;
        }
    }

    /** The next text message within 10 s. */
    public String next() throws InterruptedException {
        String m = messages.poll(10, TimeUnit.SECONDS);
        assertThat(m).as("a message within 10 s").isNotNull();
        return m;
    }
}
