package org.vmhost.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * One HTTP/1.1 exchange over a UNIX socket: connect, send the request with {@code Connection: close}, read
 * the answer to the end. No pool, no threads and few classes, because xm starts afresh for every command
 * (docs/api/README.md has the measurements behind this choice).
 */
final class UnixSocketHttp {
    /** An answer too large for any route means something else is on the socket. */
    private static final int MAX_RESPONSE = 64 << 20;

    /** A request and its answer; {@code contentType} as the answer's header gave it, or "" without one. */
    record Exchange(String method, String path, int status, String contentType, byte[] body) {
    }

    /** Could not connect: the socket is missing, nobody listens on it, or it may not be opened. */
    static final class ConnectFailed extends IOException {
        ConnectFailed(IOException cause) {
            super(cause.getMessage() != null ? cause.getMessage() : cause.toString(), cause);
        }
    }

    private final Path socket;

    UnixSocketHttp(Path socket) {
        this.socket = socket;
    }

    Exchange send(String method, String path, byte[] body) throws IOException {
        return send(method, path, body, ApiPaths.JSON);
    }

    /** As above, asking for an answer of the media type {@code accept}. */
    Exchange send(String method, String path, byte[] body, String accept) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new ConnectFailed(e);
            }
            try {
                writeAll(channel, request(method, path, body, accept));
            } catch (IOException writeFailed) {
                // xend may refuse a request before reading all of it (a body too large), answer and close:
                // its answer says more than the broken pipe
                try {
                    return parse(method, path, readAll(channel));
                } catch (IOException noAnswer) {
                    writeFailed.addSuppressed(noAnswer);
                    throw writeFailed;
                }
            }
            return parse(method, path, readAll(channel));
        }
    }

    private static byte[] request(String method, String path, byte[] body, String accept) {
        StringBuilder head = new StringBuilder()
                .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: localhost\r\n")
                .append("User-Agent: vmhost-xm\r\n")
                .append("Accept: ").append(accept).append("\r\n")
                .append("Connection: close\r\n");
        if (body != null) {
            head.append("Content-Type: application/json\r\n").append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
        if (body == null) return h;
        byte[] all = Arrays.copyOf(h, h.length + body.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    private static void writeAll(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) channel.write(buffer);
    }

    private static byte[] readAll(SocketChannel channel) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        ByteBuffer buffer = ByteBuffer.allocate(16384);
        while (channel.read(buffer) >= 0) {
            out.write(buffer.array(), 0, buffer.position());
            buffer.clear();
            if (out.size() > MAX_RESPONSE) throw new IOException("answer larger than " + MAX_RESPONSE + " bytes");
        }
        return out.toByteArray();
    }

    static Exchange parse(String method, String path, byte[] raw) throws IOException {
        int headEnd = indexOf(raw, new byte[] {'\r', '\n', '\r', '\n'}, 0);
        if (headEnd < 0) throw new IOException("incomplete HTTP answer (" + raw.length + " bytes)");
        // split on one character, which String.split does without a regular expression (a class and a compile
        // fewer for every xm), then without each line's CR
        String[] lines = new String(raw, 0, headEnd, StandardCharsets.ISO_8859_1).split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].endsWith("\r")) lines[i] = lines[i].substring(0, lines[i].length() - 1);
        }
        String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1."))
            throw new IOException("not an HTTP answer: " + lines[0]);
        int status;
        try {
            status = Integer.parseInt(statusLine[1]);
        } catch (NumberFormatException e) {
            throw new IOException("bad HTTP status line: " + lines[0]);
        }
        long length = -1;
        boolean chunked = false;
        String contentType = "";
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon < 0) continue;
            String name = lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).strip();
            if (name.equals("content-length")) length = Long.parseLong(value);
            if (name.equals("transfer-encoding")) chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
            if (name.equals("content-type")) contentType = value;
        }
        int start = headEnd + 4;
        byte[] body;
        if (chunked) body = dechunk(raw, start);
        else if (length >= 0) {
            if (start + length > raw.length) throw new IOException("answer cut short");
            body = Arrays.copyOfRange(raw, start, (int) (start + length));
        } else body = Arrays.copyOfRange(raw, start, raw.length);
        return new Exchange(method, path, status, contentType, body);
    }

    private static byte[] dechunk(byte[] raw, int pos) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            int lineEnd = indexOf(raw, new byte[] {'\r', '\n'}, pos);
            if (lineEnd < 0) throw new IOException("answer cut short in a chunk header");
            String sizeText = new String(raw, pos, lineEnd - pos, StandardCharsets.US_ASCII);
            int semicolon = sizeText.indexOf(';');
            int size;
            try {
                size = Integer.parseInt((semicolon < 0 ? sizeText : sizeText.substring(0, semicolon)).strip(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size: " + sizeText);
            }
            pos = lineEnd + 2;
            if (size == 0) return out.toByteArray();
            if (pos + size > raw.length) throw new IOException("answer cut short in a chunk");
            out.write(raw, pos, size);
            pos += size + 2;
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
