package org.vmhost.qemu;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.vmhost.json.JsonValue;
import org.vmhost.monitor.DiskCounters;
import org.vmhost.qemu.qmp.QmpClient;
import org.vmhost.qemu.qmp.QmpException;

/** The statistics QEMU keeps, through QMP: block device counters and the balloon's figure; and the balloon's target. */
public final class QemuStats {
    /** A QEMU slower than this gives no figures this time rather than holding up the sampler. */
    static final java.time.Duration TIMEOUT = java.time.Duration.ofSeconds(2);

    private QemuStats() {
    }

    /**
     * Each guest disk's counters ({@code query-blockstats}), named by the device's id, which is its vdev; empty
     * when QEMU does not answer.
     */
    public static List<DiskCounters> blockStats(QmpClient qmp) throws InterruptedException {
        List<DiskCounters> disks = new ArrayList<>();
        try {
            for (JsonValue dev : qmp.execute("query-blockstats", null, TIMEOUT)) {
                String name = deviceName(dev.path("qdev").asText(""), dev.path("device").asText(""));
                if (name.isEmpty()) continue;
                JsonValue s = dev.path("stats");
                disks.add(new DiskCounters(name, s.path("rd_bytes").asLong(), s.path("wr_bytes").asLong(),
                        s.path("rd_operations").asLong(), s.path("wr_operations").asLong()));
            }
        } catch (QmpException e) {
            return List.of();
        }
        return disks;
    }

    /** The device id in a qdev path such as {@code /machine/peripheral/xvda/virtio-backend}, else the drive's name. */
    static String deviceName(String qdev, String device) {
        String marker = "/machine/peripheral/";
        if (qdev.startsWith(marker)) {
            String rest = qdev.substring(marker.length());
            int slash = rest.indexOf('/');
            return slash < 0 ? rest : rest.substring(0, slash);
        }
        if (!device.isEmpty()) return device.startsWith("drive-") ? device.substring("drive-".length()) : device;
        return qdev.startsWith("/") ? "" : qdev;
    }

    /** The guest's actual memory in KiB from its virtio-balloon ({@code query-balloon}), empty without one. */
    public static OptionalLong balloonKib(QmpClient qmp) throws InterruptedException {
        try {
            JsonValue r = qmp.execute("query-balloon", null, TIMEOUT);
            return r.has("actual") ? OptionalLong.of(r.path("actual").asLong() / 1024) : OptionalLong.empty();
        } catch (QmpException e) {
            return OptionalLong.empty();
        }
    }

    /** Asks the guest's balloon to leave it {@code bytes} of memory ({@code balloon}); the guest follows in its time. */
    public static void setBalloon(QmpClient qmp, long bytes) throws QmpException, InterruptedException {
        qmp.execute("balloon", java.util.Map.of("value", bytes));
    }

    /** The RAM QEMU was started with ({@code -m}), in bytes, from {@code query-memory-size-summary}. */
    public static long baseMemoryBytes(QmpClient qmp) throws QmpException, InterruptedException {
        return qmp.execute("query-memory-size-summary").path("base-memory").asLong();
    }
}
