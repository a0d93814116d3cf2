package org.vmhost.console;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for QEMU's serial console ({@code -chardev socket,server=on,wait=off,logfile=...,logappend=on}): one
 * client at a time, accepted on a thread of its own as QEMU's main loop does, and the next only once that one has
 * gone; what the guest writes goes to the client if there is one, then to the log, under one lock (QEMU's
 * {@code chr_write_lock}); what clients send is kept as the guest's input.
 */
final class FakeQemuConsole implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Path log;
    private final Object writeLock = new Object();
    private final ByteArrayOutputStream input = new ByteArrayOutputStream();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile SocketChannel client;

    FakeQemuConsole(Path socket, Path log) throws IOException {
        this.log = log;
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().name("fake-qemu-console").start(this::serve);
    }

    private void serve() {
        while (true) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException closed) {
                return;
            }
            connections.incrementAndGet();
            client = c;
            ByteBuffer buf = ByteBuffer.allocate(1024);
            try (c) {
                while (c.read(buf) >= 0) {
                    synchronized (input) {
                        input.write(buf.array(), 0, buf.position());
                        input.notifyAll();
                    }
                    buf.clear();
                }
            } catch (IOException gone) {
                // the client went, or the fake closed
            }
            synchronized (writeLock) {
                if (client == c) client = null;
            }
        }
    }

    /** The guest writes: to the connected client (blocking while it does not read, as the guest then waits), then to the log. */
    void write(String text) throws IOException {
        write(text.getBytes(UTF_8));
    }

    void write(byte[] bytes) throws IOException {
        synchronized (writeLock) {
            SocketChannel c = client;
            if (c != null) {
                try {
                    ByteBuffer buf = ByteBuffer.wrap(bytes);
                    while (buf.hasRemaining()) c.write(buf);
                } catch (IOException gone) {
                    client = null;
                }
            }
            Files.write(log, bytes, StandardOpenOption.APPEND);
        }
    }

    /** Whether a client is connected now. */
    boolean connected() {
        return client != null;
    }

    /** How many clients it has accepted. */
    int connections() {
        return connections.get();
    }

    /** Waits until the guest's input ends with {@code end}; returns that input and forgets it. */
    String awaitInput(String end) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        synchronized (input) {
            while (!input.toString(UTF_8).endsWith(end)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new AssertionError("the guest's input is " + input.toString(UTF_8) + ", waited for " + end);
                TimeUnit.NANOSECONDS.timedWait(input, left);
            }
            String got = input.toString(UTF_8);
            input.reset();
            return got;
        }
    }

    /** QEMU exits: its sockets close. */
    @Override
    public void close() throws IOException {
        server.close();
        synchronized (writeLock) {
            SocketChannel c = client;
            if (c != null) c.close();
            client = null;
        }
    }
}
