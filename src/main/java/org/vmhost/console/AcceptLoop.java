package org.vmhost.console;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The loop both relays run on their client socket. Each client is served on a virtual thread of its own, so a
 * client in a slow handshake, or one that stops reading, never keeps the next from connecting.
 */
final class AcceptLoop {
    private AcceptLoop() {
    }

    /**
     * Accepts clients and hands each to {@code serve} on a new virtual thread named {@code clientThreadName},
     * until the relay is {@code closed} or closes {@code server} (the pending accept then fails).
     */
    static void serveEach(ServerSocketChannel server, BooleanSupplier closed, String clientThreadName,
            Consumer<SocketChannel> serve) {
        while (!closed.getAsBoolean()) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread.ofVirtual().name(clientThreadName).start(() -> serve.accept(client));
        }
    }
}
