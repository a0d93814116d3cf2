package org.vmhost.qemu;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The QMP arguments that hot-plug a NIC into a running hvm domain ({@code netdev_add}, then
 * {@code device_add}) and unplug it, with the same ids as the command line gives NIC {@code index}
 * ({@code net<index>}, {@code nic<index>}). pv domains run on microvm, whose virtio-mmio bus takes no
 * hot-plugged devices.
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

    public static String netdevId(int index) {
        return "net" + index;
    }

    public static String deviceId(int index) {
        return "nic" + index;
    }
}
