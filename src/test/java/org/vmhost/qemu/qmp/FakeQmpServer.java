package org.vmhost.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A scripted QMP peer for tests: listens on a real UNIX socket and plays one script against the first
 * client, so protocol corner cases (replies out of order, events between replies, garbage, a socket
 * closed mid-command) can be staged exactly.
 *
 * <pre>{@code
 * try (FakeQmpServer qemu = FakeQmpServer.start(tempDir, peer -> {
 *         peer.handshake();
 *         FakeQmpServer.Command stop = peer.receive("stop");
 *         peer.event("STOP", Map.of());
 *         peer.reply(stop);
 *     });
 *     QmpClient qmp = QmpClient.connect(qemu.socket(), Duration.ofSeconds(2))) {
 *     qmp.stop();
 *     qemu.await();   // rethrows the script's failures
 * }
 * }</pre>
 */
public final class FakeQmpServer implements AutoCloseable {
    /** The greeting QEMU 7.2 sends. */
    public static final String GREETING = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, "
            + "\"major\": 7}, \"package\": \"Debian 1:7.2+dfsg-7+deb12u18\"}, \"capabilities\": [\"oob\"]}}";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration RECEIVE_LIMIT = Duration.ofSeconds(5);

    private final Path socket;
    private final ServerSocketChannel server;
    private final AtomicReference<SocketChannel> client = new AtomicReference<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread scriptThread;

    /** What the fake does once a client connects; throw (or fail an assertion) to fail the test. */
    @FunctionalInterface
    public interface Script {
        void run(Peer peer) throws Exception;
    }

    /** A command as the client sent it. */
    public record Command(String name, JsonNode arguments, JsonNode id, JsonNode message) {}

    private FakeQmpServer(Path socket, ServerSocketChannel server, Script script) {
        this.socket = socket;
        this.server = server;
        this.scriptThread = Thread.ofVirtual().name("fake-qmp " + socket).start(() -> play(script));
    }

    /** Listens on {@code dir/qmp.sock} and plays {@code script} against the first client. */
    public static FakeQmpServer start(Path dir, Script script) throws IOException {
        Path socket = dir.resolve("qmp.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        return new FakeQmpServer(socket, server, Objects.requireNonNull(script, "script"));
    }

    public Path socket() {
        return socket;
    }

    /** Waits for the script to finish and rethrows what it threw. */
    public void await() throws InterruptedException {
        if (!scriptThread.join(RECEIVE_LIMIT.plusSeconds(1))) {
            throw new AssertionError("the fake QMP script is still running");
        }
        Throwable t = failure.get();
        if (t instanceof AssertionError a) throw a;
        if (t != null) throw new AssertionError("the fake QMP script failed: " + t, t);
    }

    /** Hangs up, stops listening and removes the socket. */
    @Override
    public void close() throws IOException, InterruptedException {
        SocketChannel c = client.get();
        if (c != null) c.close();
        server.close();
        Files.deleteIfExists(socket);
        scriptThread.join(Duration.ofSeconds(2));
    }

    private void play(Script script) {
        try {
            SocketChannel c = server.accept();
            client.set(c);
            script.run(new Peer(c));
        } catch (Throwable t) {
            failure.set(t);
        }
    }

    /** The client's side of the conversation, as the script sees it. */
    public static final class Peer {
        private final SocketChannel channel;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private volatile boolean clientGone;

        private Peer(SocketChannel channel) {
            this.channel = channel;
            Thread.ofVirtual().start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(
                        Channels.newInputStream(channel), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) lines.add(line);
                } catch (IOException e) {
                    // The test closed the connection; receive() reports the missing command.
                }
                clientGone = true;
            });
        }

        /** Whether the client has closed its side (or the connection broke). */
        public boolean clientGone() {
            return clientGone && lines.isEmpty();
        }

        /** Sends the greeting. */
        public void greet() throws IOException {
            send(GREETING + "\n");
        }

        /** Greeting, then answers {@code qmp_capabilities}: what every real session starts with. */
        public void handshake() throws IOException, InterruptedException {
            greet();
            reply(receive("qmp_capabilities"));
        }

        /** The next command; fails if none comes within 5 s. */
        public Command receive() throws InterruptedException, IOException {
            String line = lines.poll(RECEIVE_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) throw new AssertionError("the client sent no command within " + RECEIVE_LIMIT);
            JsonNode message = JSON.readTree(line);
            if (!message.hasNonNull("execute")) throw new AssertionError("not a QMP command: " + line);
            return new Command(message.get("execute").asText(), message.path("arguments"), message.get("id"), message);
        }

        /** The next command if one comes within {@code wait}: for a script that also does other things. */
        public java.util.Optional<Command> poll(Duration wait) throws InterruptedException, IOException {
            String line = lines.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) return java.util.Optional.empty();
            JsonNode message = JSON.readTree(line);
            if (!message.hasNonNull("execute")) throw new AssertionError("not a QMP command: " + line);
            return java.util.Optional.of(new Command(message.get("execute").asText(), message.path("arguments"),
                    message.get("id"), message));
        }

        /** The next command, which must be {@code name}. */
        public Command receive(String name) throws InterruptedException, IOException {
            Command command = receive();
            if (!command.name().equals(name)) {
                throw new AssertionError("expected command '" + name + "', got " + command.message());
            }
            return command;
        }

        /** Answers with an empty {@code return} object. */
        public void reply(Command command) throws IOException {
            reply(command, JSON.createObjectNode());
        }

        /** Answers with {@code value} (converted to JSON) as the {@code return}. */
        public void reply(Command command, Object value) throws IOException {
            ObjectNode message = JSON.createObjectNode();
            message.set("return", JSON.valueToTree(value));
            if (command.id() != null) message.set("id", command.id());
            send(JSON.writeValueAsString(message) + "\n");
        }

        /** Answers with an error of class {@code errorClass}. */
        public void error(Command command, String errorClass, String description) throws IOException {
            ObjectNode message = JSON.createObjectNode();
            message.putObject("error").put("class", errorClass).put("desc", description);
            if (command.id() != null) message.set("id", command.id());
            send(JSON.writeValueAsString(message) + "\n");
        }

        /** Sends an event with {@code data} (converted to JSON) and a timestamp. */
        public void event(String name, Object data) throws IOException {
            ObjectNode message = JSON.createObjectNode().put("event", name);
            message.set("data", JSON.valueToTree(data));
            long micros = System.currentTimeMillis() * 1000;
            message.putObject("timestamp").put("seconds", micros / 1_000_000).put("microseconds", micros % 1_000_000);
            send(JSON.writeValueAsString(message) + "\n");
        }

        /** Sends exactly {@code text}: partial lines, several lines at once, garbage. */
        public void send(String text) throws IOException {
            ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) channel.write(out);
        }

        /** Closes the connection, as a QEMU that exits does. */
        public void hangUp() throws IOException {
            channel.close();
        }
    }
}
