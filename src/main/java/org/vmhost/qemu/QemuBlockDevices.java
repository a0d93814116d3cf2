package org.vmhost.qemu;

import org.vmhost.config.DiskAccess;
import org.vmhost.config.DiskBackend;
import org.vmhost.config.DiskConfig;
import org.vmhost.config.DomainType;
import org.vmhost.json.JsonObject;
import org.vmhost.qemu.qmp.QmpClient;
import org.vmhost.qemu.qmp.QmpException;

/**
 * The QMP arguments that plug a disk into a running QEMU and take it out again, and change a CD-ROM's
 * medium: the hot-plug counterpart of {@link QemuCommandLine}, with the same ids (drive {@code drive-<vdev>},
 * device {@code <vdev>}) and the same bus for each vdev. Pure: every value goes into a JSON field of its own,
 * never into an option string, so no path or name can be read as another option or as a protocol.
 *
 * <p>What can be hot-plugged follows from QEMU's buses: an hvm domain takes virtio disks ({@code xvd*},
 * virtio-blk-pci through ACPI PCI hot-plug) and SCSI disks and CD-ROMs ({@code sd*}, on its virtio-scsi
 * controller, added first when it has none); IDE ({@code hd*}) has no hot-plug. A pv domain's microvm takes
 * virtio disks ({@code xvd*}) as virtio-blk-pci in a free PCIe hot-plug slot ({@link PcieSlots}), and
 * {@code sd*} disks on the virtio-scsi bus it has when it booted with a CD-ROM drive.
 */
public final class QemuBlockDevices {
    /** The virtio-scsi controller's id, as on the command line. */
    public static final String SCSI_CONTROLLER = "scsi0";

    private QemuBlockDevices() {
    }

    /**
     * The id of a disk's drive: {@code -drive id=} on the command line, and the node name of a hot-plugged
     * disk's image (what its device's {@code drive} names). Spelled here only.
     */
    public static String driveId(String vdev) {
        return "drive-" + vdev;
    }

    /** The node name of a hot-plugged disk's image, which is also what its device's {@code drive} names. */
    public static String nodeName(DiskConfig disk) {
        return driveId(disk.vdev());
    }

    /**
     * Grows a running guest's disk to {@code bytes}: by its drive (a disk from the command line), else by its
     * node (a hot-plugged disk has a node, not a drive, of that name).
     */
    public static void resize(QmpClient qmp, DiskConfig disk, long bytes) throws QmpException, InterruptedException {
        try {
            qmp.execute("block_resize", java.util.Map.of("device", driveId(disk.vdev()), "size", bytes));
        } catch (org.vmhost.qemu.qmp.QmpErrorException e) {
            qmp.execute("block_resize", java.util.Map.of("node-name", driveId(disk.vdev()), "size", bytes));
        }
    }

    /** The node name of a medium inserted into a CD-ROM drive while the domain runs. */
    public static String mediumNodeName(DiskConfig drive) {
        return "media-" + drive.vdev();
    }

    /**
     * Why this disk cannot be hot-plugged into a domain of this type, or empty when it can.
     *
     * @param scsiBus whether the running QEMU has the virtio-scsi controller already
     */
    public static java.util.Optional<String> refusal(DomainType type, DiskConfig disk, boolean scsiBus) {
        switch (disk.bus()) {
            case IDE -> {
                return java.util.Optional.of("IDE disks (" + disk.vdev() + ") cannot be hot-plugged; attach it as xvd or sd");
            }
            case SCSI -> {
                if (type == DomainType.PV && !scsiBus) {
                    return java.util.Optional.of("a pv domain has a SCSI bus only when it boots with a CD-ROM drive "
                            + "(sd*:cdrom); add an empty one to its config to hot-plug sd disks");
                }
                return java.util.Optional.empty();
            }
            default -> {
                if (disk.cdrom()) return java.util.Optional.of(disk.vdev() + " is a paravirtual disk and cannot be a CD-ROM");
                return java.util.Optional.empty();
            }
        }
    }

    /** {@code device_add} arguments for the virtio-scsi controller of an hvm domain. */
    public static JsonObject scsiControllerAdd() {
        return new JsonObject().put("driver", "virtio-scsi-pci").put("id", SCSI_CONTROLLER);
    }

    /** {@code blockdev-add} arguments for a disk's image (a format node over a file or host device). */
    public static JsonObject blockdevAdd(DiskConfig disk) {
        return imageNode(nodeName(disk), disk, !disk.access().writable() || disk.cdrom(), !disk.cdrom());
    }

    /** {@code blockdev-add} arguments for a CD-ROM medium. */
    public static JsonObject mediumAdd(DiskConfig drive, DiskConfig medium) {
        return imageNode(mediumNodeName(drive), medium, true, false);
    }

    private static JsonObject imageNode(String node, DiskConfig disk, boolean readOnly, boolean direct) {
        String path = disk.target().orElseThrow(() -> new IllegalArgumentException("disk " + disk.vdev() + " has no target"));
        JsonObject file;
        if (disk.nbd().isPresent()) {
            var nbd = disk.nbd().get();
            file = new JsonObject().put("driver", "nbd");
            file.set("server", new JsonObject().put("type", "inet").put("host", nbd.host()).put("port", Integer.toString(nbd.port())));
            nbd.name().ifPresent(n -> file.put("export", n));
        } else {
            String protocol = disk.backend() == DiskBackend.PHY ? (disk.cdrom() ? "host_cdrom" : "host_device") : "file";
            file = new JsonObject().put("driver", protocol).put("filename", path);
        }
        JsonObject args = new JsonObject().put("node-name", node).put("driver", QemuCommandLine.qemuFormat(disk.format()))
                .put("read-only", readOnly);
        if (direct) {
            if (disk.nbd().isEmpty()) file.put("aio", "threads");
            file.set("cache", new JsonObject().put("direct", true));
            args.set("cache", new JsonObject().put("direct", true));
        }
        args.set("file", file);
        return args;
    }

    /** Whether a disk of this type goes into a PCIe hot-plug slot (a pv domain's virtio disk), so needs a free one. */
    public static boolean needsSlot(DomainType type, DiskConfig disk) {
        return type == DomainType.PV && (disk.bus() == org.vmhost.config.DiskBus.XEN || disk.bus() == org.vmhost.config.DiskBus.VIRTIO);
    }

    /**
     * {@code device_add} arguments for a disk whose image node {@link #blockdevAdd} made.
     *
     * @param slot the free hot-plug slot it goes into, where {@link #needsSlot} says it needs one
     */
    public static JsonObject deviceAdd(DomainType type, DiskConfig disk, java.util.Optional<String> slot) {
        JsonObject dev = new JsonObject();
        if (disk.bus() == org.vmhost.config.DiskBus.SCSI) {
            dev.put("driver", disk.cdrom() ? "scsi-cd" : "scsi-hd").put("bus", SCSI_CONTROLLER + ".0").put("channel", 0)
                    .put("scsi-id", (int) QemuCommandLine.diskIndex(disk.vdev())).put("lun", 0);
        } else {
            dev.put("driver", "virtio-blk-pci");
            if (needsSlot(type, disk)) {
                dev.put("bus", slot.orElseThrow(() -> new IllegalArgumentException(disk.vdev() + " needs a hot-plug slot")));
            }
        }
        dev.put("drive", nodeName(disk)).put("id", disk.vdev());
        if (disk.access() == DiskAccess.SHARED_WRITE) dev.put("share-rw", true);
        return dev;
    }

    /** {@code device_del} arguments; QEMU answers at once and sends DEVICE_DELETED once the guest let go. */
    public static JsonObject deviceDel(String vdev) {
        return new JsonObject().put("id", vdev);
    }

    /** {@code blockdev-del} arguments for a node this class named. */
    public static JsonObject blockdevDel(String node) {
        return new JsonObject().put("node-name", node);
    }

    /** {@code blockdev-open-tray} / {@code blockdev-remove-medium} / {@code blockdev-close-tray}: by device id. */
    public static JsonObject tray(String vdev, boolean force) {
        JsonObject args = new JsonObject().put("id", vdev);
        if (force) args.put("force", true);
        return args;
    }

    /** {@code blockdev-insert-medium} arguments. */
    public static JsonObject insertMedium(DiskConfig drive) {
        return new JsonObject().put("id", drive.vdev()).put("node-name", mediumNodeName(drive));
    }
}
