package org.vmhost.qemu;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.vmhost.json.JsonObject;
import org.vmhost.json.JsonValue;
import org.vmhost.qemu.qmp.QmpClient;
import org.vmhost.qemu.qmp.QmpException;

/**
 * QEMU's side of a live migration, in QMP's words: the incoming socket on the destination's command line,
 * the outgoing migration, and the NBD export and block mirror that copy local disks ({@code --copy-storage}).
 * Every socket is a UNIX socket: xend carries the bytes between hosts over its authenticated TLS connection,
 * so nothing of QEMU listens on TCP.
 */
public final class QemuMigration {
    private QemuMigration() {}

    /**
     * The destination QEMU's {@code -incoming}: a UNIX socket bound at start-up, before QEMU drops root
     * ({@code -runas}), in the domain's private run directory, so that only root (xend) can connect to it.
     */
    public static List<String> incomingArgs(Path socket) {
        String p = socket.toString();
        if (p.contains(",") || p.contains("\n")) throw new IllegalArgumentException("unusable socket path: " + p);
        return List.of("-incoming", "unix:" + p);
    }

    /**
     * The devices added to this QEMU since it started ({@code device_add}: a hot-plugged disk, NIC, vCPU, SCSI
     * controller), in xm's words. A QEMU started again from the domain's configuration has them elsewhere, or not
     * at all, so a saved or migrated state would not find them: QOM's {@code hotplugged} tells them apart.
     */
    public static List<String> hotplugged(QmpClient qmp) throws QmpException, InterruptedException {
        List<String> found = new java.util.ArrayList<>();
        for (JsonValue n : qmp.execute("qom-list", Map.of("path", "/machine/peripheral"))) {
            if (!n.path("type").asText("").startsWith("child<")) continue;
            String id = n.path("name").asText();
            JsonValue r = qmp.execute("qom-get", Map.of("path", "/machine/peripheral/" + id, "property", "hotplugged"));
            if (r.asBoolean(false)) found.add(describeDevice(id));
        }
        return found;
    }

    /** A device id of ours as xm names the device: {@code nic1} is vif 1, {@code vcpu2} vCPU 2, a disk its vdev. */
    static String describeDevice(String id) {
        if (id.matches("nic[0-9]+")) return "vif " + id.substring(3);
        if (id.matches("vcpu[0-9]+")) return "vCPU " + id.substring(4);
        if (id.equals(QemuBlockDevices.SCSI_CONTROLLER)) return "the SCSI controller";
        return "disk " + id;
    }

    /** The CPU model a domain runs with on this accelerator (QemuCommandLine's choice): host under KVM, qemu64 under TCG. */
    public static String cpuModel(String accelerator) {
        return accelerator.equals("kvm") ? "host" : "qemu64";
    }

    /** The downtime limit, and (for copied disks) a pause before the switch-over, so the mirrors end first. */
    public static void configure(QmpClient qmp, long maxDowntimeMs, boolean pauseBeforeSwitchover) throws QmpException, InterruptedException {
        qmp.migrateSetCapabilities(Map.of("pause-before-switchover", pauseBeforeSwitchover));
        qmp.migrateSetParameters(Map.of("downtime-limit", maxDowntimeMs));
    }

    /** Starts sending the machine's state to a UNIX socket. */
    public static void start(QmpClient qmp, Path socket) throws QmpException, InterruptedException {
        qmp.migrate("unix:" + socket);
    }

    /** The outgoing migration's status: active, pre-switchover, completed, failed, cancelled ...; its error; the guest's measured pause (completed). */
    public record Status(String status, String error, long downtimeMs) {
        public boolean done() {
            return status.equals("completed") || status.equals("failed") || status.equals("cancelled");
        }
    }

    /** As {@link QmpClient#queryMigrate}, with the downtime QEMU measured, which that leaves out. */
    public static Status status(QmpClient qmp) throws QmpException, InterruptedException {
        JsonValue r = qmp.execute("query-migrate");
        return new Status(r.path("status").asText("none"), r.path("error-desc").asText(""), r.path("downtime").asLong(-1));
    }

    /** Goes on from {@code pre-switchover}, once the disk mirrors have ended. */
    public static void proceed(QmpClient qmp) throws QmpException, InterruptedException {
        qmp.execute("migrate-continue", Map.of("state", "pre-switchover"));
    }

    public static void cancel(QmpClient qmp) throws QmpException, InterruptedException {
        qmp.migrateCancel();
    }

    /** Whether the destination QEMU is still waiting for (or receiving) the incoming state. */
    public static boolean incomingPending(QmpClient qmp) throws QmpException, InterruptedException {
        return qmp.execute("query-status").path("status").asText().equals("inmigrate");
    }

    // ---- copied disks: the destination exports them over NBD, the source mirrors into the exports ----

    /** The block backend of a disk, as its {@code -drive} named it. */
    public static String drive(String vdev) {
        return QemuBlockDevices.driveId(vdev);
    }

    /** Destination: an NBD server on a UNIX socket (in a directory QEMU's user may write), exporting the disks. */
    public static void exportDisks(QmpClient qmp, Path socket, List<String> vdevs) throws QmpException, InterruptedException {
        JsonObject start = new JsonObject();
        start.putObject("addr").put("type", "unix").putObject("data").put("path", socket.toString());
        qmp.execute("nbd-server-start", start);
        for (String vdev : vdevs) qmp.execute("nbd-server-add", Map.of("device", drive(vdev), "writable", true));
    }

    public static void stopExports(QmpClient qmp) throws QmpException, InterruptedException {
        qmp.execute("nbd-server-stop");
    }

    private static String mirrorNode(String vdev) {
        return "mig-" + vdev;
    }

    /** Source: an NBD client node on xend's tunnel socket, and a full mirror of the disk into it. */
    public static void mirror(QmpClient qmp, Path tunnel, String vdev) throws QmpException, InterruptedException {
        JsonObject node = new JsonObject().put("driver", "nbd").put("node-name", mirrorNode(vdev)).put("export", drive(vdev));
        node.putObject("server").put("type", "unix").put("path", tunnel.toString());
        qmp.execute("blockdev-add", node, Duration.ofSeconds(30));
        qmp.execute("blockdev-mirror", new JsonObject().put("job-id", mirrorNode(vdev)).put("device", drive(vdev))
                .put("target", mirrorNode(vdev)).put("sync", "full"));
    }

    /** Whether every mirror has caught up (is ready); fails naming a mirror that ended on its own. */
    public static boolean mirrorsReady(QmpClient qmp, List<String> vdevs) throws QmpException, InterruptedException {
        JsonValue jobs = qmp.execute("query-block-jobs");
        for (String vdev : vdevs) {
            JsonValue job = null;
            for (JsonValue j : jobs) if (j.path("device").asText().equals(mirrorNode(vdev))) job = j;
            if (job == null) throw new IllegalStateException("the copy of " + vdev + " stopped");
            if (!job.path("ready").asBoolean(false)) return false;
        }
        return true;
    }

    /** Ends the mirrors: a ready mirror cancelled completes its copy and leaves the source disk in use. */
    public static void endMirrors(QmpClient qmp, List<String> vdevs, Duration timeout) throws QmpException, InterruptedException {
        for (String vdev : vdevs) {
            try {
                qmp.execute("block-job-cancel", Map.of("device", mirrorNode(vdev)));
            } catch (QmpException e) {
                // no such job: it has ended already
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean any = false;
            for (JsonValue j : qmp.execute("query-block-jobs"))
                for (String vdev : vdevs) if (j.path("device").asText().equals(mirrorNode(vdev))) any = true;
            if (!any) break;
            Thread.sleep(100);
        }
        for (String vdev : vdevs) {
            try {
                qmp.execute("blockdev-del", Map.of("node-name", mirrorNode(vdev)));
            } catch (QmpException e) {
                // never added, or gone
            }
        }
    }
}
