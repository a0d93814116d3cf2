package org.vmhost.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.vmhost.json.JsonCodec;
import org.vmhost.json.JsonObject;
import org.vmhost.json.JsonValue;

/**
 * What a pool knows of its images: each image's format, and a linked clone's backing image, in one small file
 * per pool, {@code .vmhost-images.json}, written atomically (temporary file, fsync, rename) and private (0600).
 * A name beginning with a dot is never an image name, so the file cannot be taken for an image or replaced
 * through an image command. Read it with {@code cat}; it travels with the directory in a backup.
 *
 * <pre>{@code
 * {"version":1,"images":{"base.raw":{"format":"raw"},"web1.qcow2":{"format":"qcow2","backing":"base.raw"}}}
 * }</pre>
 */
final class PoolRecords {
    static final String FILE = ".vmhost-images.json";
    private static final int VERSION = 1;

    /** One image's record: its format and, for a linked clone, the name of its backing image in the same pool. */
    record Entry(String format, Optional<String> backing) {
        Entry {
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(backing, "backing");
        }
    }

    private PoolRecords() {
    }

    /** The records of the pool in {@code dir}; none when it has no records file. */
    static Map<String, Entry> read(Path dir) {
        Path file = dir.resolve(FILE);
        JsonValue root;
        try {
            root = JsonCodec.parse(Files.readString(file));
        } catch (NoSuchFileException e) {
            return new TreeMap<>();
        } catch (IOException e) {
            throw new StorageException(StorageException.Kind.FAILED, "cannot read the pool's records " + file + ": " + e.getMessage());
        }
        if (root == null || root.path("version").asInt() != VERSION || !root.path("images").isObject()) {
            throw new StorageException(StorageException.Kind.FAILED, "the pool's records " + file + " are not version " + VERSION
                    + " records; move the file away and import the images again (xm image-import)");
        }
        Map<String, Entry> entries = new TreeMap<>();
        root.path("images").fields().forEachRemaining(e -> entries.put(e.getKey(), new Entry(e.getValue().path("format").asText(),
                Optional.ofNullable(e.getValue().path("backing").asText(null)))));
        return entries;
    }

    /** Replaces the records of the pool in {@code dir}: a reader sees the old file or the new one, never half. */
    static void write(Path dir, Map<String, Entry> entries) {
        JsonObject root = new JsonObject().put("version", VERSION);
        JsonObject images = root.putObject("images");
        new TreeMap<>(entries).forEach((name, e) -> {
            JsonObject n = images.putObject(name).put("format", e.format());
            e.backing().ifPresent(b -> n.put("backing", b));
        });
        Path file = dir.resolve(FILE);
        Path tmp = dir.resolve(FILE + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(JsonCodec.prettyBytes(root)));
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException ignored) {
                // Some file systems cannot sync a directory; the rename is then as durable as they make it.
            }
        } catch (IOException e) {
            throw new StorageException(StorageException.Kind.FAILED, "cannot write the pool's records " + file + ": " + e.getMessage());
        }
    }
}
