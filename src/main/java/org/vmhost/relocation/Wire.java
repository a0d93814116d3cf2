package org.vmhost.relocation;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.json.JsonCodec;
import org.vmhost.json.JsonObject;
import org.vmhost.json.JsonValue;

/** The relocation link's framing: one JSON object per line, then (for a stream) raw bytes both ways. */
final class Wire {
    private static final int MAX_LINE = 1 << 20;

    private Wire() {}

    static void write(OutputStream out, JsonValue message) throws IOException {
        out.write(JsonCodec.bytes(message));
        out.write('\n');
        out.flush();
    }

    /** Reads one line, byte by byte so that nothing after it is consumed; null at a clean end. */
    static JsonValue read(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                if (line.size() == 0) return null;
                throw new IOException("the connection ended inside a message");
            }
            if (line.size() >= MAX_LINE) throw new IOException("a message longer than " + MAX_LINE + " bytes");
            line.write(b);
        }
        return JsonCodec.parse(line.toString(StandardCharsets.UTF_8));
    }

    static JsonObject ok() {
        return new JsonObject().put("ok", true);
    }

    static JsonObject error(VmhostException e) {
        return new JsonObject().put("ok", false).put("code", e.code().name()).put("error", e.getMessage());
    }

    /** A reply's refusal as the exception the destination raised; an ok reply as itself. */
    static JsonValue requireOk(JsonValue reply, String host) {
        if (reply == null) throw new VmhostException(ErrorCode.HOST_FAILED, "host " + host + " closed the relocation connection without an answer");
        if (reply.path("ok").asBoolean(false)) return reply;
        ErrorCode code;
        try {
            code = ErrorCode.valueOf(reply.path("code").asText("HOST_FAILED"));
        } catch (IllegalArgumentException e) {
            code = ErrorCode.HOST_FAILED;
        }
        throw new VmhostException(code, "host " + host + " refused: " + reply.path("error").asText("no reason given"));
    }

    /** Copies bytes both ways between a TLS socket and a UNIX socket until either side ends, then closes both. */
    static void pipe(java.net.Socket a, InputStream aIn, OutputStream aOut, java.nio.channels.SocketChannel b) {
        Thread up = Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[256 * 1024];
            try {
                for (int n; (n = aIn.read(buf)) >= 0; ) {
                    java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(buf, 0, n);
                    while (bb.hasRemaining()) b.write(bb);
                }
            } catch (IOException e) {
                // one side ended: so does the stream
            } finally {
                closeAll(a, b);
            }
        });
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(256 * 1024);
        try {
            while (b.read(bb) >= 0) {
                aOut.write(bb.array(), 0, bb.position());
                aOut.flush();
                bb.clear();
            }
        } catch (IOException e) {
            // one side ended: so does the stream
        } finally {
            closeAll(a, b);
        }
        try {
            up.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void closeAll(java.io.Closeable... all) {
        for (java.io.Closeable c : all) {
            try {
                if (c != null) c.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
