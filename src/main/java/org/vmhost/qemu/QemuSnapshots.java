package org.vmhost.qemu;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.json.JsonArray;
import org.vmhost.json.JsonObject;
import org.vmhost.json.JsonValue;
import org.vmhost.qemu.qmp.QmpClient;
import org.vmhost.qemu.qmp.QmpException;

/**
 * Internal snapshots of a running QEMU's qcow2 disks, through QMP: {@code snapshot-save}, {@code snapshot-load} and
 * {@code snapshot-delete} jobs (memory and device state with the disks), a {@code transaction} of
 * {@code blockdev-snapshot-internal-sync} for the disks alone, and {@code query-block} to list them. Disks are
 * named by their drive ids ({@code drive-<vdev>}); the node names QEMU gave them are looked up here.
 */
public final class QemuSnapshots {
    private static final Duration POLL = Duration.ofMillis(50);

    /** One internal snapshot as the first disk's image lists it. */
    public record Listed(String name, long vmStateSize, Instant date) {}

    private QemuSnapshots() {}

    /** The snapshots in the image of drive {@code drive-<vdev>}. */
    public static List<Listed> list(QmpClient qmp, String vdev) throws QmpException, InterruptedException {
        JsonValue inserted = inserted(qmp).get(QemuBlockDevices.driveId(vdev));
        List<Listed> out = new ArrayList<>();
        if (inserted == null) return out;
        for (JsonValue s : inserted.path("image").path("snapshots")) {
            out.add(new Listed(s.path("name").asText(), s.path("vm-state-size").asLong(),
                    Instant.ofEpochSecond(s.path("date-sec").asLong(), s.path("date-nsec").asLong())));
        }
        return out;
    }

    /** Memory, device state and the disks {@code vdevs}, the state kept in the first one's image. */
    public static void save(QmpClient qmp, String tag, List<String> vdevs, Duration timeout) throws QmpException, InterruptedException {
        List<String> nodes = nodes(qmp, vdevs);
        JsonObject args = new JsonObject().put("tag", tag).put("vmstate", nodes.get(0));
        args.set("devices", array(nodes));
        runJob(qmp, "snapshot-save", args, timeout);
    }

    /** Returns the guest (memory, devices, the disks {@code vdevs}) to a snapshot; a running guest runs on from there. */
    public static void load(QmpClient qmp, String tag, List<String> vdevs, Duration timeout) throws QmpException, InterruptedException {
        List<String> nodes = nodes(qmp, vdevs);
        JsonObject args = new JsonObject().put("tag", tag).put("vmstate", nodes.get(0));
        args.set("devices", array(nodes));
        runJob(qmp, "snapshot-load", args, timeout);
    }

    public static void delete(QmpClient qmp, String tag, List<String> vdevs, Duration timeout) throws QmpException, InterruptedException {
        JsonObject args = new JsonObject().put("tag", tag);
        args.set("devices", array(nodes(qmp, vdevs)));
        runJob(qmp, "snapshot-delete", args, timeout);
    }

    /** The disks {@code vdevs} alone, all at one instant (one transaction). */
    public static void saveDisks(QmpClient qmp, String tag, List<String> vdevs) throws QmpException, InterruptedException {
        JsonArray actions = new JsonArray();
        for (String node : nodes(qmp, vdevs)) {
            JsonObject a = actions.addObject().put("type", "blockdev-snapshot-internal-sync");
            a.putObject("data").put("device", node).put("name", tag);
        }
        JsonObject args = new JsonObject();
        args.set("actions", actions);
        qmp.execute("transaction", args);
    }

    private static void runJob(QmpClient qmp, String command, JsonObject args, Duration timeout)
            throws QmpException, InterruptedException {
        String id = command + "-" + Long.toHexString(System.nanoTime());
        args.put("job-id", id);
        qmp.execute(command, args);
        Instant deadline = Instant.now().plus(timeout);
        try {
            while (true) {
                Optional<JsonValue> job = Optional.empty();
                for (JsonValue j : qmp.execute("query-jobs")) if (j.path("id").asText().equals(id)) job = Optional.of(j);
                if (job.isEmpty()) return; // dismissed already: nothing more to learn
                String status = job.get().path("status").asText();
                if (status.equals("concluded") || status.equals("null")) {
                    if (job.get().hasNonNull("error")) {
                        throw new VmhostException(ErrorCode.QEMU_FAILED, job.get().get("error").asText());
                    }
                    return;
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new VmhostException(ErrorCode.TIMEOUT, command + " did not end within " + timeout.toSeconds() + " s");
                }
                Thread.sleep(POLL);
            }
        } finally {
            try {
                qmp.execute("job-dismiss", Map.of("id", id));
            } catch (QmpException e) {
                // already dismissed, or still running after a timeout: nothing to do here
            }
        }
    }

    /** Drive id → its {@code inserted} record, for drives with a medium. */
    private static Map<String, JsonValue> inserted(QmpClient qmp) throws QmpException, InterruptedException {
        Map<String, JsonValue> out = new LinkedHashMap<>();
        for (JsonValue b : qmp.execute("query-block")) {
            if (!b.has("inserted")) continue;
            JsonValue ins = b.get("inserted");
            String device = b.path("device").asText("");
            // A hot-plugged disk has no drive, only a node, which carries the drive id as its name.
            out.put(device.isEmpty() ? ins.path("node-name").asText() : device, ins);
        }
        return out;
    }

    private static List<String> nodes(QmpClient qmp, List<String> vdevs) throws QmpException, InterruptedException {
        if (vdevs.isEmpty()) throw new IllegalArgumentException("no disks");
        Map<String, JsonValue> inserted = inserted(qmp);
        List<String> nodes = new ArrayList<>();
        for (String vdev : vdevs) {
            JsonValue ins = inserted.get(QemuBlockDevices.driveId(vdev));
            if (ins == null) throw new VmhostException(ErrorCode.QEMU_FAILED, "QEMU has no disk " + vdev);
            nodes.add(ins.path("node-name").asText());
        }
        return nodes;
    }

    private static JsonArray array(List<String> items) {
        JsonArray a = new JsonArray();
        items.forEach(a::add);
        return a;
    }
}
