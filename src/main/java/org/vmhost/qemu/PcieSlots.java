package org.vmhost.qemu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.vmhost.json.JsonObject;
import org.vmhost.json.JsonValue;

/**
 * A pv domain's hot-plug slots: the empty PCIe root ports ({@code hp0}, {@code hp1} ...) its microvm machine
 * gets with {@code pcie=on}, and what a running QEMU says is in them. A hot-plugged virtio disk or NIC goes
 * into a free port; the guest's PCIe hot-plug driver (pciehp, with {@code pcie_ports=native}) sees it arrive,
 * and for an unplug QEMU presses the port's attention button, which the guest answers by letting the device
 * go (Linux waits 5 s for a cancel first).
 *
 * <p>Which port holds what is read from QEMU each time ({@code query-pci}), never kept by xend: a restarted
 * xend sees the same, and a device the guest has not yet let go still holds its port.
 *
 * @param ports      the root ports, in order
 * @param occupants  the device id in each port that holds one
 */
public record PcieSlots(List<String> ports, Map<String, String> occupants) {
    private static final String PORT_PREFIX = "hp";
    /** The QMP command whose answer {@link #of} reads. */
    public static final String QUERY = "query-pci";
    /** The QMP command whose answer {@link #driverReady} reads (experimental in QEMU 7.2, hence the x-). */
    public static final String VIRTIO_STATUS = "x-query-virtio-status";

    public PcieSlots {
        ports = List.copyOf(ports);
        occupants = Map.copyOf(occupants);
    }

    /** The command-line device of root port {@code index}: its own chassis, so every port is a distinct slot. */
    static String rootPort(int index) {
        return QemuOpts.of("pcie-root-port").add("id", portId(index)).add("chassis", index + 1).add("slot", index).toString();
    }

    static String portId(int index) {
        return PORT_PREFIX + index;
    }

    /** The slots a {@code query-pci} answer describes: root ports named by {@link #rootPort}, and their devices. */
    public static PcieSlots of(JsonValue queryPci) {
        List<String> ports = new ArrayList<>();
        Map<String, String> occupants = new LinkedHashMap<>();
        for (JsonValue bus : queryPci) {
            for (JsonValue dev : bus.path("devices")) {
                String id = dev.path("qdev_id").asText("");
                if (!id.matches(PORT_PREFIX + "[0-9]+") || !dev.has("pci_bridge")) continue;
                ports.add(id);
                for (JsonValue child : dev.path("pci_bridge").path("devices")) {
                    occupants.put(id, child.path("qdev_id").asText(""));
                }
            }
        }
        return new PcieSlots(ports, occupants);
    }

    /** The first port with nothing in it. */
    public Optional<String> free() {
        return ports.stream().filter(p -> !occupants.containsKey(p)).findFirst();
    }

    /** The port a device is in, or empty for one that is not in a slot (a boot-time virtio-mmio device). */
    public Optional<String> portOf(String deviceId) {
        return occupants.entrySet().stream().filter(e -> e.getValue().equals(deviceId)).map(Map.Entry::getKey).findFirst();
    }

    /** {@code x-query-virtio-status} arguments for a virtio device plugged with id {@code deviceId}. */
    public static JsonObject virtioStatusArgs(String deviceId) {
        return new JsonObject().put("path", "/machine/peripheral/" + deviceId + "/virtio-backend");
    }

    /**
     * Whether the guest's driver has taken a virtio device: it set DRIVER_OK, so it found the device on its
     * bus, bound a driver and finished setting it up.
     */
    public static boolean driverReady(JsonValue virtioStatus) {
        for (JsonValue s : virtioStatus.path("status").path("statuses")) {
            if (s.asText().startsWith("VIRTIO_CONFIG_S_DRIVER_OK")) return true;
        }
        return false;
    }
}
