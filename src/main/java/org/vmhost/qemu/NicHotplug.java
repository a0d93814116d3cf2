package org.vmhost.qemu;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The QMP arguments that hot-plug a NIC into a running domain ({@code netdev_add}, then
 * {@code device_add}) and unplug it, with the same ids as the command line gives NIC {@code index}
 * ({@code net<index>}, {@code nic<index>}). An hvm domain's NIC goes on its PCI bus; a pv domain's is a
 * virtio-net-pci in a free PCIe hot-plug slot of its microvm ({@link PcieSlots}).
 */
public final class NicHotplug {
    private NicHotplug() {
    }

    /** {@code netdev_add}'s arguments. */
    public static Map<String, Object> netdev(int index, NicAttachment nic) {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("id", netdevId(index));
        switch (nic.backend()) {
            case NicAttachment.Tap tap -> {
                args.put("type", "tap");
                args.put("ifname", tap.ifname());
                args.put("script", "no");
                args.put("downscript", "no");
            }
            case NicAttachment.User ignored -> {
                args.put("type", "user");
                args.put("restrict", true); // as on the command line: the guest reaches nothing of the host
            }
        }
        return args;
    }

    /** {@code device_add}'s arguments for a PCI NIC of the given model. */
    public static Map<String, Object> device(String model, int index, NicAttachment nic) {
        String driver = QemuCommandLine.pciNicDriver(model.toLowerCase(Locale.ROOT));
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("driver", driver);
        args.put("id", deviceId(index));
        args.put("netdev", netdevId(index));
        args.put("mac", nic.mac());
        return args;
    }

    /** {@code device_add}'s arguments for a pv domain's NIC: virtio, in the hot-plug slot {@code slot}. */
    public static Map<String, Object> pvDevice(String model, int index, NicAttachment nic, String slot) {
        if (!model.toLowerCase(Locale.ROOT).startsWith("virtio")) {
            throw new IllegalArgumentException("a pv domain has virtio NICs only, not '" + model + "'");
        }
        Map<String, Object> args = device("virtio", index, nic);
        args.put("bus", slot);
        return args;
    }

    public static String netdevId(int index) {
        return "net" + index;
    }

    public static String deviceId(int index) {
        return "nic" + index;
    }
}
