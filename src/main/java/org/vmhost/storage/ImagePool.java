package org.vmhost.storage;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmhost.error.VmhostException;
import org.vmhost.host.HostCommand;
import org.vmhost.json.JsonCodec;
import org.vmhost.json.JsonValue;

/**
 * A storage pool that is a directory of image files, made and changed with {@code qemu-img}. qemu-img runs
 * directly with its arguments as an argument vector, never through a shell, and every image is named by a
 * plain file name inside the pool, so no name can reach another directory or become an option.
 *
 * <p>The pool knows each image's format; it never guesses it. It records the format when it makes an image
 * ({@link #create}, {@link #cloneImage}) or when the administrator imports one ({@link #importImage}), in
 * {@link PoolRecords}. An image it has no record of is raw. qemu-img always gets the format ({@code -f}, and
 * {@code -F} for a backing file), so bytes a guest wrote into a raw image, a qcow2 header naming
 * {@code /etc/shadow} say, are only ever read as data. A qcow2 image's backing chain stays inside its pool
 * ({@link #requireContained}).
 *
 * <pre>{@code
 * ImagePool pool = ImagePool.make(Path.of("/var/lib/vmhost/images"));
 * pool.create("web1.qcow2", "qcow2", ImagePool.parseSize("8G"));
 * pool.cloneImage("web1.qcow2", "web2.qcow2", true);   // linked: a qcow2 over web1.qcow2
 * }</pre>
 *
 * <p>Images the pool makes are 0600, and a pool directory it makes is 0700. Record updates of one pool are
 * serialised within this process; one xend owns a pool.
 *
 * <p>Failures are {@link StorageException}s with a message that names the image and what qemu-img said.
 */
public final class ImagePool {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_+@][A-Za-z0-9._+@-]{0,127}");
    private static final Pattern SIZE = Pattern.compile("([0-9]+)([KMGT]?)(i?B)?", Pattern.CASE_INSENSITIVE);
    private static final List<String> FORMATS = List.of("raw", "qcow2");
    private static final Duration TIMEOUT = Duration.ofSeconds(600);
    private static final Duration INFO_TIMEOUT = Duration.ofSeconds(30);
    /** Longest backing chain followed; a longer one (or a loop) is refused. */
    private static final int MAX_CHAIN = 16;
    private static final Map<Path, Object> LOCKS = new ConcurrentHashMap<>();

    private final Path dir;
    private final String qemuImg;

    private ImagePool(Path dir, String qemuImg) {
        this.dir = dir;
        this.qemuImg = qemuImg;
    }

    /** The pool in {@code dir}, which must exist: opening a pool never makes anything. */
    public static ImagePool open(Path dir) {
        return open(dir, "qemu-img");
    }

    static ImagePool open(Path dir, String qemuImg) {
        requireAbsolute(dir);
        if (!Files.isDirectory(dir)) {
            throw new StorageException(StorageException.Kind.NOT_FOUND, "pool directory " + dir + " does not exist");
        }
        return new ImagePool(dir.normalize(), qemuImg);
    }

    /** The pool in {@code dir}, made (0700) if missing: for xend's own pool, when an image is to be made in it. */
    public static ImagePool make(Path dir) {
        requireAbsolute(dir);
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir.getParent());
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        } catch (FileAlreadyExistsException e) {
            // made meanwhile by another call: fine, if it is a directory (open checks)
        } catch (IOException e) {
            throw new StorageException(StorageException.Kind.FAILED, "cannot make pool directory " + dir + ": " + e.getMessage());
        }
        return open(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Every image file in the pool, by name, each with its recorded format (raw, and unrecorded, when none). */
    public List<ImageInfo> list() {
        List<ImageInfo> images = new ArrayList<>();
        Map<String, PoolRecords.Entry> records = PoolRecords.read(dir);
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = f.getFileName().toString();
                if (!NAME.matcher(name).matches()) continue;
                images.add(info(name, f, Optional.ofNullable(records.get(name))));
            }
        } catch (IOException e) {
            throw new StorageException(StorageException.Kind.FAILED, "cannot list pool " + dir + ": " + e.getMessage());
        }
        return images;
    }

    /** An image's facts, read with its recorded format (raw when it has no record): nothing is probed. */
    public ImageInfo info(String name) {
        Path p = existing(name);
        return info(name, p, Optional.ofNullable(PoolRecords.read(dir).get(name)));
    }

    private ImageInfo info(String name, Path p, Optional<PoolRecords.Entry> record) {
        String format = record.map(PoolRecords.Entry::format).orElse("raw");
        JsonValue n = header(qemuImg, p, format, name);
        Optional<String> backing = format.equals("raw") ? Optional.empty()
                : Optional.ofNullable(n.path("full-backing-filename").asText(n.path("backing-filename").asText(null)));
        return new ImageInfo(name, p.toString(), format, n.path("virtual-size").asLong(), n.path("actual-size").asLong(), backing,
                record.isPresent());
    }

    /** A new, empty image (0600): raw ones are sparse, qcow2 ones grow as the guest writes. */
    public ImageInfo create(String name, String format, long bytes) {
        requireFormat(format);
        if (bytes < 1) throw new StorageException(StorageException.Kind.BAD_REQUEST, "image size must be positive");
        Path p = reserve(name);
        made(name, p, () -> run("create", name, List.of(qemuImg, "create", "-q", "-f", format, p.toString(), Long.toString(bytes))),
                new PoolRecords.Entry(format, Optional.empty()));
        return info(name);
    }

    /**
     * A copy of {@code source}, an image of this pool. A full copy is independent, in the source's recorded format
     * (raw stays sparse; a linked clone's copy holds its backing image's data too); a linked one is a qcow2 that
     * reads what it has not written from the source, which must then stay as it is and cannot be deleted while
     * the clone exists.
     */
    public ImageInfo cloneImage(String source, String name, boolean linked) {
        if (source != null && source.contains("/")) {
            throw new StorageException(StorageException.Kind.BAD_REQUEST, "the image to clone, '" + source + "', must be an image of "
                    + "pool " + dir + ", named by its file name; put a file from elsewhere into the pool and record its format "
                    + "with xm image-import");
        }
        Path src = existing(source);
        String srcFormat = formatOf(source);
        requireContained(src, srcFormat);
        Path p = reserve(name);
        if (linked) {
            made(name, p, () -> run("clone", name, List.of(qemuImg, "create", "-q", "-f", "qcow2", "-b", src.toString(), "-F", srcFormat,
                    p.toString())), new PoolRecords.Entry("qcow2", Optional.of(source)));
        } else {
            made(name, p, () -> run("clone", name, List.of(qemuImg, "convert", "-U", "-f", srcFormat, "-O", srcFormat, src.toString(),
                    p.toString())), new PoolRecords.Entry(srcFormat, Optional.empty()));
        }
        return info(name);
    }

    /** Grows or shrinks an image that no QEMU has open (an open one is resized through its QEMU). */
    public ImageInfo resize(String name, long bytes, boolean shrink) {
        Path p = existing(name);
        ImageInfo before = info(name);
        if (bytes < before.virtualSize() && !shrink) {
            throw new StorageException(StorageException.Kind.BAD_REQUEST, "image " + name + " is " + before.virtualSize()
                    + " bytes; shrinking it to " + bytes + " loses what is beyond (say --shrink if that is meant)");
        }
        if (bytes < before.virtualSize()) {
            List<String> clones = clonesOf(PoolRecords.read(dir), name);
            if (!clones.isEmpty()) {
                throw new StorageException(StorageException.Kind.EXISTS, "image " + name + " is the backing image of linked clone"
                        + (clones.size() > 1 ? "s " : " ") + String.join(", ", clones) + "; shrinking it would cut what they read");
            }
        }
        requireContained(p, before.format());
        List<String> cmd = new ArrayList<>(List.of(qemuImg, "resize", "-q", "-f", before.format()));
        if (bytes < before.virtualSize()) cmd.add("--shrink");
        cmd.add(p.toString());
        cmd.add(Long.toString(bytes));
        run("resize", name, cmd);
        return info(name);
    }

    /**
     * Records the format of an image the administrator put into the pool: from here on it is opened as that format.
     * A qcow2 one is accepted only when its backing chain stays inside the pool, with each backing format stated in
     * its header, and when it has no external data file.
     */
    public ImageInfo importImage(String name, String format) {
        requireFormat(format);
        Path p = existing(name);
        synchronized (lock()) {
            Map<String, PoolRecords.Entry> records = PoolRecords.read(dir);
            PoolRecords.Entry known = records.get(name);
            if (known != null) {
                throw new StorageException(StorageException.Kind.EXISTS, "image " + name + " is recorded already, as "
                        + known.format());
            }
            requireContained(p, format);
            Optional<String> backing = Optional.empty();
            if (!format.equals("raw")) {
                JsonValue n = header(qemuImg, p, format, name);
                String b = n.path("full-backing-filename").asText(n.path("backing-filename").asText(null));
                if (b != null) {
                    String base = Path.of(b).getFileName().toString();
                    String baseFormat = n.path("backing-filename-format").asText();
                    if (!records.containsKey(base) && !baseFormat.equals("raw")) {
                        throw new StorageException(StorageException.Kind.BAD_REQUEST, "image " + name + " reads from " + base
                                + " as " + baseFormat + ", which the pool has no record of; import " + base + " first");
                    }
                    backing = Optional.of(base);
                }
            }
            records.put(name, new PoolRecords.Entry(format, backing));
            PoolRecords.write(dir, records);
        }
        return info(name);
    }

    /** Fails as {@link #delete} would, changing nothing: the image is missing or a linked clone reads from it. */
    public void requireDeletable(String name) {
        existing(name);
        synchronized (lock()) {
            List<String> clones = clonesOf(PoolRecords.read(dir), name);
            if (!clones.isEmpty()) {
                throw new StorageException(StorageException.Kind.EXISTS, "image " + name + " is the backing image of linked clone"
                        + (clones.size() > 1 ? "s " : " ") + String.join(", ", clones) + " in " + dir + "; delete "
                        + (clones.size() > 1 ? "them" : "it") + " first");
            }
        }
    }

    /** Removes an image file and its record; refused while a linked clone in the pool reads from it. */
    public void delete(String name) {
        Path p = existing(name);
        synchronized (lock()) {
            Map<String, PoolRecords.Entry> records = PoolRecords.read(dir);
            List<String> clones = clonesOf(records, name);
            if (!clones.isEmpty()) {
                throw new StorageException(StorageException.Kind.EXISTS, "image " + name + " is the backing image of linked clone"
                        + (clones.size() > 1 ? "s " : " ") + String.join(", ", clones) + " in " + dir + "; delete "
                        + (clones.size() > 1 ? "them" : "it") + " first");
            }
            try {
                Files.delete(p);
            } catch (IOException e) {
                throw new StorageException(StorageException.Kind.FAILED, "cannot delete image " + name + ": " + e.getMessage());
            }
            if (records.remove(name) != null) PoolRecords.write(dir, records);
        }
    }

    /** The path an image of this name has (or would have) in the pool. */
    public Path path(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new StorageException(StorageException.Kind.BAD_REQUEST, "invalid image name '" + name
                    + "': use letters, digits and . _ + @ - (not starting with '.' or '-'), no directories");
        }
        return dir.resolve(name);
    }

    /** The recorded format of an image of this pool, raw when it has no record. */
    public String formatOf(String name) {
        path(name);
        return Optional.ofNullable(PoolRecords.read(dir).get(name)).map(PoolRecords.Entry::format).orElse("raw");
    }

    /**
     * Refuses to hand QEMU an image file as {@code format} when that would make QEMU open anything but files of the
     * image's own directory, each as a format stated rather than probed: when the directory's pool records the
     * image as another format; when a non-raw image has an external data file, or a backing file outside its
     * directory, or one whose format its header does not state or states otherwise than the pool's record.
     * A non-raw image, and each file of its chain, must be one that only root may write or rename (its header could
     * otherwise name another file after this check: QEMU opens boot-time images as root).
     * A raw image passes at once: QEMU reads nothing in it as metadata. So does a file qemu-img cannot read as
     * {@code format} at all: QEMU refuses it alike, opening nothing it names, and says why.
     *
     * <p>The lifecycle asks this before a domain starts and before a disk is attached; the pool before qemu-img
     * opens a chain (convert, resize).
     *
     * @throws StorageException (BAD_REQUEST) saying why, naming the image
     */
    public static void requireContained(Path image, String format) {
        requireContained(image, format, "qemu-img");
    }

    static void requireContained(Path image, String format, String qemuImg) {
        Path current = image;
        String currentFormat = format;
        for (int depth = 0; ; depth++) {
            Path real;
            try {
                real = current.toRealPath();
            } catch (IOException e) {
                throw new StorageException(StorageException.Kind.NOT_FOUND, "image " + current + " does not exist");
            }
            Path home = real.getParent();
            Optional<PoolRecords.Entry> record = home == null ? Optional.empty()
                    : Optional.ofNullable(PoolRecords.read(home).get(real.getFileName().toString()));
            if (record.isPresent() && !record.get().format().equals(currentFormat)) {
                throw new StorageException(StorageException.Kind.BAD_REQUEST, "image " + current + " is recorded as "
                        + record.get().format() + " in pool " + home + ", not " + currentFormat
                        + (depth == 0 ? "" : " (as the backing file of " + image + " says)"));
            }
            if (currentFormat.equals("raw")) return;
            if (depth >= MAX_CHAIN) {
                throw new StorageException(StorageException.Kind.BAD_REQUEST, "image " + image + " has a backing chain longer than "
                        + MAX_CHAIN + " images (or a loop)");
            }
            // The header names what QEMU opens with the image, as root: it must hold still from this check to then.
            Optional<String> who;
            try {
                who = org.vmhost.host.TrustedPaths.whoElseMayChange(real);
            } catch (IOException e) {
                throw new StorageException(StorageException.Kind.FAILED, "cannot read the owner of image " + current + ": " + e.getMessage());
            }
            if (who.isPresent()) {
                throw new StorageException(StorageException.Kind.BAD_REQUEST, "image " + current + " is " + currentFormat
                        + ", whose header names the files QEMU opens with it as root, and " + who.get() + ", who could make it"
                        + " name any host file after this check" + (depth == 0 ? "" : " (the backing file of " + image + ")")
                        + "; keep " + currentFormat + " images where only root may write them, or use raw");
            }
            JsonValue n;
            try {
                n = header(qemuImg, real, currentFormat, current.toString());
            } catch (StorageException e) {
                // Not a readable image of that format: QEMU, whose block layer qemu-img is, refuses it alike and opens
                // nothing it names; its own error then says why.
                return;
            }
            if (n.path("format-specific").path("data").has("data-file")) {
                throw new StorageException(StorageException.Kind.BAD_REQUEST, "image " + current + " keeps its data in another file ("
                        + n.path("format-specific").path("data").path("data-file").asText() + "); vmhost does not open such images");
            }
            String backing = n.path("full-backing-filename").asText(n.path("backing-filename").asText(null));
            if (backing == null) return;
            Path b = Path.of(backing);
            Path backingReal;
            try {
                if (!b.isAbsolute()) throw new IOException("not a path");
                backingReal = b.toRealPath();
            } catch (IOException | java.nio.file.InvalidPathException e) {
                throw new StorageException(StorageException.Kind.BAD_REQUEST, "image " + current + " names backing file '" + backing
                        + "', which is not an image file in its directory " + home);
            }
            if (!home.equals(backingReal.getParent()) || !Files.isRegularFile(backingReal)) {
                throw new StorageException(StorageException.Kind.BAD_REQUEST, "image " + current + " names backing file " + backing
                        + ", outside its directory " + home + "; a backing chain stays inside its pool");
            }
            String backingFormat = n.path("backing-filename-format").asText(null);
            if (backingFormat == null) {
                throw new StorageException(StorageException.Kind.BAD_REQUEST, "image " + current + " does not state the format of its"
                        + " backing file " + backing + " (QEMU would guess it); rebase it with qemu-img rebase -F FORMAT");
            }
            current = backingReal;
            currentFormat = backingFormat;
        }
    }

    /**
     * Sizes as xm and qemu-img write them: bytes, or a number with K, M, G or T (powers of 1024), e.g.
     * {@code 512M}, {@code 8G}, {@code 8GiB}.
     */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.strip());
        if (!m.matches()) throw new StorageException(StorageException.Kind.BAD_REQUEST, "invalid size '" + text + "' (e.g. 512M, 8G)");
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        if (n > (Long.MAX_VALUE >> shift)) throw new StorageException(StorageException.Kind.BAD_REQUEST, "size '" + text + "' is too large");
        return n << shift;
    }

    /** The linked clones that read from {@code name}, by name. */
    private static List<String> clonesOf(Map<String, PoolRecords.Entry> records, String name) {
        return records.entrySet().stream().filter(e -> e.getValue().backing().filter(name::equals).isPresent())
                .map(Map.Entry::getKey).toList();
    }

    private Object lock() {
        return LOCKS.computeIfAbsent(dir, d -> new Object());
    }

    private Path existing(String name) {
        Path p = path(name);
        if (!Files.isRegularFile(p)) throw new StorageException(StorageException.Kind.NOT_FOUND, "image " + name + " does not exist in " + dir);
        return p;
    }

    /** Takes the name: an empty 0600 file that qemu-img then writes into (it keeps the file's mode). */
    private Path reserve(String name) {
        Path p = path(name);
        try {
            Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new StorageException(StorageException.Kind.EXISTS, "image " + name + " already exists in " + dir);
        } catch (IOException e) {
            throw new StorageException(StorageException.Kind.FAILED, "cannot make image " + name + " in " + dir + ": " + e.getMessage());
        }
        return p;
    }

    /** Runs what fills a reserved image, then records it; removes the file when that fails. */
    private void made(String name, Path p, Runnable fill, PoolRecords.Entry entry) {
        try {
            fill.run();
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
            synchronized (lock()) {
                Map<String, PoolRecords.Entry> records = PoolRecords.read(dir);
                records.put(name, entry);
                PoolRecords.write(dir, records);
            }
        } catch (RuntimeException | IOException e) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            if (e instanceof StorageException se) throw se;
            throw new StorageException(StorageException.Kind.FAILED, "cannot make image " + name + ": " + e.getMessage());
        }
    }

    private static void requireAbsolute(Path dir) {
        Objects.requireNonNull(dir, "dir");
        if (!dir.isAbsolute()) throw new StorageException(StorageException.Kind.BAD_REQUEST, "pool directory '" + dir + "' is not an absolute path");
    }

    private static void requireFormat(String format) {
        if (!FORMATS.contains(format)) {
            throw new StorageException(StorageException.Kind.BAD_REQUEST, "image format '" + format + "' is not one of " + FORMATS);
        }
    }

    /**
     * qemu-img's reading of one image as the format given, its backing file left closed (qemu-img info opens no
     * backing file unless asked for the chain), so the header is read but nothing it names is opened.
     */
    private static JsonValue header(String qemuImg, Path p, String format, String shown) {
        String out = run("read", shown, List.of(qemuImg, "info", "-U", "-f", format, "--output=json", p.toString()), INFO_TIMEOUT);
        try {
            return JsonCodec.parse(out);
        } catch (IOException e) {
            throw new StorageException(StorageException.Kind.FAILED, "qemu-img's answer about " + shown + " is unreadable: " + e.getMessage());
        }
    }

    private static String run(String verb, String name, List<String> argv) {
        return run(verb, name, argv, TIMEOUT);
    }

    private static String run(String verb, String name, List<String> argv, Duration timeout) {
        HostCommand.Result r;
        try {
            r = HostCommand.of(argv).timeout(timeout).tryRun();
        } catch (VmhostException e) {
            throw new StorageException(StorageException.Kind.FAILED, "cannot " + verb + " image " + name + ": " + e.getMessage());
        }
        if (!r.ok()) {
            throw new StorageException(StorageException.Kind.FAILED, "cannot " + verb + " image " + name + ": "
                    + r.output().strip().replaceAll("\\s*\\n\\s*", "; ").replaceFirst("^qemu-img: ", ""));
        }
        return r.output();
    }
}
