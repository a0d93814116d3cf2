package org.vmhost.qemu.qmp;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The socket layer: one UNIX stream socket carrying newline-terminated JSON texts. One thread reads;
 * any thread writes, a whole line at a time.
 */
final class QmpSocket implements Closeable {
    /** QEMU's longest answers (query-qmp-schema) are a few hundred KiB; anything past this is not QMP. */
    static final int MAX_LINE = 16 << 20;

    private final Path path;
    private final SocketChannel channel;
    private final ByteBuffer input = ByteBuffer.allocate(64 << 10).flip();
    private final ReentrantLock writeLock = new ReentrantLock(); // not synchronized: keeps virtual threads unpinned
    private byte[] line = new byte[8 << 10];
    private int lineLength;

    private QmpSocket(Path path, SocketChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    static QmpSocket connect(Path path) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return new QmpSocket(path, channel);
    }

    Path path() {
        return path;
    }

    /**
     * The next line without its terminator, or null at the end of the stream. Lines split across
     * reads are joined; several lines in one read come out one by one.
     *
     * @throws EOFException if the stream ends inside a line
     * @throws QmpLineTooLongException if a line exceeds {@link #MAX_LINE}
     */
    byte[] readLine() throws IOException {
        while (true) {
            while (input.hasRemaining()) {
                byte b = input.get();
                if (b == '\n') {
                    byte[] result = Arrays.copyOf(line, lineLength);
                    lineLength = 0;
                    return result;
                }
                if (lineLength == line.length) {
                    if (line.length >= MAX_LINE) throw new QmpLineTooLongException(MAX_LINE);
                    line = Arrays.copyOf(line, Math.min(MAX_LINE, line.length * 2));
                }
                line[lineLength++] = b;
            }
            input.clear();
            int n = channel.read(input);
            input.flip();
            if (n < 0) {
                if (lineLength > 0) {
                    throw new EOFException("stream ended inside a message after " + lineLength + " bytes");
                }
                return null;
            }
        }
    }

    void writeLine(byte[] json) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        writeLock.lock();
        try {
            while (out.hasRemaining()) channel.write(out);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** A line longer than any QMP message: the peer is not QEMU, or is broken. */
    static final class QmpLineTooLongException extends IOException {
        QmpLineTooLongException(int limit) {
            super("a line exceeds " + (limit >> 20) + " MiB");
        }
    }
}
