package org.vmhost.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;

/**
 * A log file that another process appends to (QEMU, with {@code logappend=on}, that is {@code O_APPEND}),
 * kept below a size by copy and truncate: when it passes {@code limit} bytes its content moves to
 * {@code <file>.1} (replacing the older generation) and the file is cut to zero. QEMU's next write lands at
 * the new end, so the rotation works while QEMU runs and needs nothing of it. On disk a log therefore takes
 * at most about twice its limit.
 *
 * <p>What QEMU appends between the copy and the cut is lost from the log (as with logrotate's
 * {@code copytruncate}); the console relay has already passed it on live.
 *
 * <p>Both generations are created owner-only (0600): a console carries whatever the guest prints.
 */
public final class ConsoleLog {
    /** xend's default limit, as xend's {@code console-limit} bounded its console buffer. */
    public static final long DEFAULT_LIMIT = 1024 * 1024;
    /** Smaller limits would rotate away the history a new client is shown. */
    public static final long MIN_LIMIT = 64 * 1024;

    private final Path file;
    private final long limit;

    public ConsoleLog(Path file, long limit) {
        this.file = Objects.requireNonNull(file, "file");
        if (limit < MIN_LIMIT) throw new IllegalArgumentException("console log limit below " + MIN_LIMIT + ": " + limit);
        this.limit = limit;
    }

    public Path file() {
        return file;
    }

    public long limit() {
        return limit;
    }

    /** The previous generation, {@code <file>.1}. */
    public Path previous() {
        return file.resolveSibling(file.getFileName() + ".1");
    }

    /** Creates the log empty and owner-only if it does not exist, so that its writer inherits the mode. */
    public void createPrivately() throws IOException {
        Files.createDirectories(file.getParent());
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // kept: it is the history of earlier runs
        }
    }

    /** Rotates the log if it has grown past the limit. Returns whether it did. */
    public boolean rotateIfFull() throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            return false;
        }
        if (size <= limit) return false;
        Path old = previous();
        Path tmp = file.resolveSibling(file.getFileName() + ".1.tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileChannel out = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                     PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            long copied = 0;
            long end = in.size();
            while (copied < end) copied += in.transferTo(copied, end - copied, out);
            in.truncate(0);
        }
        Files.move(tmp, old, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    /** The last {@code max} bytes written, across the rotation: the end of the previous generation, then this one. */
    public byte[] tail(int max) {
        byte[] current = tailOf(file, max);
        if (current.length >= max) return current;
        byte[] before = tailOf(previous(), max - current.length);
        byte[] all = new byte[before.length + current.length];
        System.arraycopy(before, 0, all, 0, before.length);
        System.arraycopy(current, 0, all, before.length, current.length);
        return all;
    }

    private static byte[] tailOf(Path f, int max) {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            long len = ch.size();
            long from = Math.max(0, len - max);
            ByteBuffer buf = ByteBuffer.allocate((int) (len - from));
            while (buf.hasRemaining() && ch.read(buf, from + buf.position()) >= 0) {
                // read until full; a file cut meanwhile ends the loop early
            }
            return java.util.Arrays.copyOf(buf.array(), buf.position());
        } catch (NoSuchFileException e) {
            return new byte[0];
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read console log " + f, e);
        }
    }
}
