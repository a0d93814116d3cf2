package org.vmhost.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vmhost.error.VmhostException;
import org.vmhost.host.HostCommand;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A storage pool that is a directory of image files, made and changed with {@code qemu-img}. qemu-img runs
 * directly with its arguments as an argument vector, never through a shell, and every image is named by a
 * plain file name inside the pool, so no name can reach another directory or become an option.
 *
 * <pre>{@code
 * ImagePool pool = ImagePool.open(Path.of("/var/lib/vmhost/images"));
 * pool.create("web1.qcow2", "qcow2", ImagePool.parseSize("8G"));
 * pool.cloneImage("web1.qcow2", "web2.qcow2", true);   // linked: a qcow2 over web1.qcow2
 * }</pre>
 *
 * <p>Failures are {@link StorageException}s with a message that names the image and what qemu-img said.
 */
public final class ImagePool {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_+@][A-Za-z0-9._+@-]{0,127}");
    private static final Pattern SIZE = Pattern.compile("([0-9]+)([KMGT]?)(i?B)?", Pattern.CASE_INSENSITIVE);
    private static final List<String> FORMATS = List.of("raw", "qcow2");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_SECONDS = 600;

    private final Path dir;
    private final String qemuImg;

    private ImagePool(Path dir, String qemuImg) {
        this.dir = dir;
        this.qemuImg = qemuImg;
    }

    /** The pool in {@code dir}, made if missing. */
    public static ImagePool open(Path dir) {
        return open(dir, "qemu-img");
    }

    static ImagePool open(Path dir, String qemuImg) {
        Objects.requireNonNull(dir, "dir");
        if (!dir.isAbsolute()) throw new StorageException(StorageException.Kind.BAD_REQUEST, "pool directory '" + dir + "' is not an absolute path");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StorageException(StorageException.Kind.FAILED, "cannot make pool directory " + dir + ": " + e.getMessage());
        }
        return new ImagePool(dir, qemuImg);
    }

    public Path dir() {
        return dir;
    }

    /** Every image file in the pool, by name. */
    public List<ImageInfo> list() {
        List<ImageInfo> images = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = f.getFileName().toString();
                if (!NAME.matcher(name).matches()) continue;
                images.add(info(name));
            }
        } catch (IOException e) {
            throw new StorageException(StorageException.Kind.FAILED, "cannot list pool " + dir + ": " + e.getMessage());
        }
        return images;
    }

    /** An image's facts. */
    public ImageInfo info(String name) {
        Path p = existing(name);
        String out = run("read", name, List.of(qemuImg, "info", "-U", "--output=json", p.toString()));
        try {
            JsonNode n = JSON.readTree(out);
            Optional<String> backing = Optional.ofNullable(n.path("full-backing-filename").asText(n.path("backing-filename").asText(null)));
            return new ImageInfo(name, p.toString(), n.path("format").asText(), n.path("virtual-size").asLong(),
                    n.path("actual-size").asLong(), backing);
        } catch (IOException e) {
            throw new StorageException(StorageException.Kind.FAILED, "qemu-img's answer about " + name + " is unreadable: " + e.getMessage());
        }
    }

    /** A new, empty image: raw ones are sparse, qcow2 ones grow as the guest writes. */
    public ImageInfo create(String name, String format, long bytes) {
        requireFormat(format);
        Path p = fresh(name);
        if (bytes < 1) throw new StorageException(StorageException.Kind.BAD_REQUEST, "image size must be positive");
        run("create", name, List.of(qemuImg, "create", "-q", "-f", format, p.toString(), Long.toString(bytes)));
        return info(name);
    }

    /**
     * A copy of {@code source} (a name in this pool, or an absolute path). A full copy is independent, in the
     * source's format (raw stays sparse); a linked one is a qcow2 that reads what it has not written from the
     * source, which must then stay as it is.
     */
    public ImageInfo cloneImage(String source, String name, boolean linked) {
        Path src = source.startsWith("/") ? Path.of(source) : existing(source);
        if (!Files.isRegularFile(src)) throw new StorageException(StorageException.Kind.NOT_FOUND, "image " + source + " does not exist");
        String srcFormat = formatOf(src, source);
        Path p = fresh(name);
        if (linked) {
            run("clone", name, List.of(qemuImg, "create", "-q", "-f", "qcow2", "-b", src.toAbsolutePath().toString(), "-F", srcFormat,
                    p.toString()));
        } else {
            run("clone", name, List.of(qemuImg, "convert", "-U", "-f", srcFormat, "-O", srcFormat, src.toString(), p.toString()));
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
        List<String> cmd = new ArrayList<>(List.of(qemuImg, "resize", "-q", "-f", before.format()));
        if (bytes < before.virtualSize()) cmd.add("--shrink");
        cmd.add(p.toString());
        cmd.add(Long.toString(bytes));
        run("resize", name, cmd);
        return info(name);
    }

    /** Removes an image file. */
    public void delete(String name) {
        Path p = existing(name);
        try {
            Files.delete(p);
        } catch (IOException e) {
            throw new StorageException(StorageException.Kind.FAILED, "cannot delete image " + name + ": " + e.getMessage());
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

    private Path existing(String name) {
        Path p = path(name);
        if (!Files.isRegularFile(p)) throw new StorageException(StorageException.Kind.NOT_FOUND, "image " + name + " does not exist in " + dir);
        return p;
    }

    private Path fresh(String name) {
        Path p = path(name);
        if (Files.exists(p)) throw new StorageException(StorageException.Kind.EXISTS, "image " + name + " already exists in " + dir);
        return p;
    }

    private static void requireFormat(String format) {
        if (!FORMATS.contains(format)) {
            throw new StorageException(StorageException.Kind.BAD_REQUEST, "image format '" + format + "' is not one of " + FORMATS);
        }
    }

    private String formatOf(Path p, String shown) {
        String out = run("read", shown, List.of(qemuImg, "info", "-U", "--output=json", p.toString()));
        try {
            return JSON.readTree(out).path("format").asText();
        } catch (IOException e) {
            throw new StorageException(StorageException.Kind.FAILED, "qemu-img's answer about " + shown + " is unreadable");
        }
    }

    private static String run(String verb, String name, List<String> argv) {
        HostCommand.Result r;
        try {
            r = HostCommand.of(argv).timeout(java.time.Duration.ofSeconds(TIMEOUT_SECONDS)).tryRun();
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
