package org.vmhost.domain;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.json.JsonCodec;
import org.vmhost.json.JsonObject;
import org.vmhost.json.JsonValue;

/**
 * The file {@code xm save} writes: vmhost's own header around QEMU's migration stream, so that a file that is
 * not one, is cut short, is damaged or comes from another QEMU is refused before any QEMU starts.
 *
 * <pre>
 *   "VMHOSTSV"            8 bytes, magic
 *   header length         4 bytes, big-endian, at most 1 MiB
 *   header                JSON: format version, QEMU's version, name, UUID, the domain's xm configuration, time
 *   stream                QEMU's migration stream, as QEMU wrote it
 *   stream length         8 bytes, big-endian
 *   SHA-256 of the stream 32 bytes
 *   "VMHOSTEN"            8 bytes, end magic
 * </pre>
 *
 * The trailer comes last because the stream's length and digest are known only at its end; the file is
 * written under a temporary name and renamed once whole, so a file with the end magic was written whole.
 */
final class SaveFile {
    static final int FORMAT = 1;
    private static final byte[] MAGIC = "VMHOSTSV".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "VMHOSTEN".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_HEADER = 1 << 20;
    static final int TRAILER = 8 + 32 + 8;

    /** What the header says. */
    record Header(int format, String qemuVersion, String name, String uuid, String config, Instant savedAt) {
        Header {
            Objects.requireNonNull(qemuVersion);
            Objects.requireNonNull(name);
            Objects.requireNonNull(uuid);
            Objects.requireNonNull(config);
            Objects.requireNonNull(savedAt);
        }
    }

    /** A save file that passed every check: its header, and where its stream lies. */
    record Checked(Path file, Header header, long streamOffset, long streamLength) {}

    private SaveFile() {}

    /** Writes magic and header; the caller then writes the stream through {@link #digesting}, then {@link #writeTrailer}. */
    static void writeHeader(OutputStream out, Header h) throws IOException {
        JsonObject n = new JsonObject();
        n.put("format", h.format());
        n.put("qemu", h.qemuVersion());
        n.put("name", h.name());
        n.put("uuid", h.uuid());
        n.put("config", h.config());
        n.put("saved", h.savedAt().toString());
        byte[] json = JsonCodec.bytes(n);
        DataOutputStream data = new DataOutputStream(out);
        data.write(MAGIC);
        data.writeInt(json.length);
        data.write(json);
        data.flush();
    }

    /** The stream's sink: counts and digests what passes on to {@code out}. */
    static final class Digesting extends OutputStream {
        private final OutputStream out;
        private final MessageDigest sha = sha256();
        private long count;

        Digesting(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            sha.update(b, off, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        long count() {
            return count;
        }

        byte[] digest() {
            return sha.digest();
        }
    }

    static Digesting digesting(OutputStream out) {
        return new Digesting(out);
    }

    static void writeTrailer(OutputStream out, long length, byte[] digest) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeLong(length);
        data.write(digest);
        data.write(END);
        data.flush();
    }

    /**
     * Reads and checks a save file whole (magic, header, trailer, length and digest of the stream) and that it
     * comes from this host's QEMU version. Every refusal names the file and what is wrong with it.
     */
    static Checked check(Path file, String qemuVersion) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            byte[] magic = read(ch, 0, MAGIC.length, file, "its magic");
            if (!Arrays.equals(magic, MAGIC)) throw bad(file, "it is not a vmhost save file");
            int headerLength = ByteBuffer.wrap(read(ch, MAGIC.length, 4, file, "its header length")).getInt();
            if (headerLength <= 0 || headerLength > MAX_HEADER) throw bad(file, "its header length " + headerLength + " is impossible");
            long streamOffset = MAGIC.length + 4L + headerLength;
            byte[] json = read(ch, MAGIC.length + 4L, headerLength, file, "its header");
            Header header = parseHeader(file, json);
            if (header.format() != FORMAT) {
                throw bad(file, "it is in save format " + header.format() + "; this xend reads format " + FORMAT);
            }
            if (size < streamOffset + TRAILER) throw bad(file, "it is truncated (" + size + " bytes, no end record)");
            byte[] trailer = read(ch, size - TRAILER, TRAILER, file, "its end record");
            ByteBuffer t = ByteBuffer.wrap(trailer);
            long length = t.getLong();
            byte[] digest = new byte[32];
            t.get(digest);
            byte[] end = new byte[8];
            t.get(end);
            if (!Arrays.equals(end, END)) throw bad(file, "it is truncated or damaged (no end record)");
            if (length != size - streamOffset - TRAILER) {
                throw bad(file, "it is truncated or damaged: its stream should be " + length + " bytes, the file holds "
                        + (size - streamOffset - TRAILER));
            }
            if (!header.qemuVersion().equals(qemuVersion)) {
                throw bad(file, "it was saved by another QEMU (" + header.qemuVersion() + "); this host runs "
                        + qemuVersion + ", which may not read its stream");
            }
            MessageDigest sha = sha256();
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            for (long pos = streamOffset, left = length; left > 0; ) {
                buf.clear();
                if (left < buf.capacity()) buf.limit((int) left);
                int n = ch.read(buf, pos);
                if (n <= 0) throw bad(file, "it is truncated");
                buf.flip();
                sha.update(buf);
                pos += n;
                left -= n;
            }
            if (!MessageDigest.isEqual(sha.digest(), digest)) {
                throw bad(file, "it is damaged: the saved state's SHA-256 is not the one recorded");
            }
            return new Checked(file, header, streamOffset, length);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "cannot restore from " + file + ": no such file");
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "cannot restore from " + file + ": " + e.getMessage());
        }
    }

    /** Whether a file is a regular file that starts as a save file does (one that may be replaced by a new save). */
    static boolean looksLikeOne(Path file) {
        if (!java.nio.file.Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return false;
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(MAGIC.length), MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    /** The stream of a checked file, from its first byte to its last. */
    static InputStream openStream(Checked c) throws IOException {
        FileChannel ch = FileChannel.open(c.file(), StandardOpenOption.READ);
        ch.position(c.streamOffset());
        InputStream in = java.nio.channels.Channels.newInputStream(ch);
        return new java.io.FilterInputStream(in) {
            long left = c.streamLength();

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) return -1;
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) left -= n;
                return n;
            }
        };
    }

    private static Header parseHeader(Path file, byte[] json) {
        try {
            JsonValue n = JsonCodec.parse(json);
            if (n == null || !n.isObject()) throw bad(file, "its header is not a JSON object");
            for (String field : new String[] {"format", "qemu", "name", "uuid", "config", "saved"}) {
                if (!n.hasNonNull(field)) throw bad(file, "its header has no field '" + field + "'");
            }
            return new Header(n.get("format").asInt(), n.get("qemu").asText(), n.get("name").asText(), n.get("uuid").asText(),
                    n.get("config").asText(), Instant.parse(n.get("saved").asText()));
        } catch (IOException | java.time.DateTimeException e) {
            throw bad(file, "its header does not read: " + e.getMessage());
        }
    }

    private static byte[] read(FileChannel ch, long pos, int n, Path file, String what) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r <= 0) throw bad(file, "it is truncated (it ends before " + what + ")");
        }
        return b.array();
    }

    private static VmhostException bad(Path file, String why) {
        return new VmhostException(ErrorCode.BAD_REQUEST, "cannot restore from " + file + ": " + why);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
