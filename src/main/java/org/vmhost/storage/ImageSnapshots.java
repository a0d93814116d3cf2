package org.vmhost.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.vmhost.host.HostCommand;
import org.vmhost.json.JsonCodec;
import org.vmhost.json.JsonValue;

/**
 * Internal snapshots of a qcow2 image that no QEMU has open, with {@code qemu-img snapshot} (always {@code -f qcow2}:
 * the format is known, never probed; {@code snapshot}, which takes no {@code -f}, gets it through
 * {@code --image-opts}). A running domain's snapshots go through its QEMU instead.
 */
public final class ImageSnapshots {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    /** One snapshot in an image. */
    public record Snapshot(String name, long vmStateSize, Instant date) {}

    private ImageSnapshots() {}

    /** The image's snapshots; {@code shared} reads an image that a QEMU holds open (for a listing only). */
    public static List<Snapshot> list(Path image, boolean shared) {
        List<String> argv = new ArrayList<>(List.of("qemu-img", "info", "-f", "qcow2", "--output=json"));
        if (shared) argv.add("-U");
        argv.add("--");
        argv.add(image.toString());
        String out = HostCommand.of(argv).timeout(TIMEOUT).run();
        List<Snapshot> list = new ArrayList<>();
        try {
            for (JsonValue s : JsonCodec.parse(out).path("snapshots")) {
                list.add(new Snapshot(s.path("name").asText(), s.path("vm-state-size").asLong(),
                        Instant.ofEpochSecond(s.path("date-sec").asLong(), s.path("date-nsec").asLong())));
            }
        } catch (IOException e) {
            throw new StorageException(StorageException.Kind.FAILED, "qemu-img info " + image + " did not answer in JSON: " + e.getMessage());
        }
        return list;
    }

    public static void create(Path image, String name) {
        run("-c", image, name);
    }

    public static void apply(Path image, String name) {
        run("-a", image, name);
    }

    public static void delete(Path image, String name) {
        run("-d", image, name);
    }

    private static void run(String op, Path image, String name) {
        // qemu-img snapshot takes no -f: the format goes in --image-opts, the path escaped (QEMU splits on commas).
        HostCommand.of("qemu-img", "snapshot", "--image-opts", op, name, "--",
                "driver=qcow2,file.driver=file,file.filename=" + image.toString().replace(",", ",,")).timeout(TIMEOUT).run();
    }
}
