package org.vmhost.domain;

import org.vmhost.error.VmhostException;
import org.vmhost.error.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import org.vmhost.config.DiskConfig;
import org.vmhost.config.DomainConfig;
import org.vmhost.domain.Transitions.Operation;
import org.vmhost.qemu.qmp.QmpException;
import org.vmhost.store.Store;

/**
 * A domain's virtual disks (xm block-list, block-attach, block-detach, block-configure): the stored
 * configuration always, and the running QEMU's block nodes and devices, CD-ROM media included, when it runs.
 */
final class DiskHotplug {
    private static final Logger LOG = LocalDomainService.LOG;
    /** How long block-detach waits for the guest to release a disk before it says so. */
    static final Duration DISK_RELEASE_WAIT = Duration.ofSeconds(10);

    private final LocalDomainService service;
    private final DomainConfigs configs;
    private final Store store;
    private final DomainRegistry registry;
    private final DiskClaims claims;
    private final HotplugSlots slots;

    DiskHotplug(LocalDomainService service, DomainConfigs configs, Store store, DomainRegistry registry, DiskClaims claims) {
        this.service = service;
        this.configs = configs;
        this.store = store;
        this.registry = registry;
        this.claims = claims;
        this.slots = new HotplugSlots(service);
    }

    List<BlockDeviceInfo> listBlockDevices(String ref) {
        Domain d = service.require(ref, "list the disks of");
        boolean running = d.runtime != null;
        return d.config().disks().stream().map(disk -> blockDevice(d, disk, running)).toList();
    }

    BlockDeviceInfo attachBlockDevice(String ref, BlockDeviceRequest request) {
        Domain d = service.require(ref, "attach a disk to");
        DiskConfig disk = diskOf(d, request);
        if (disk.empty()) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "cannot attach " + disk.vdev() + " to domain '" + d.name()
                    + "': no backend (an empty CD-ROM drive belongs in the config; xm block-configure changes its medium)");
        }
        return d.runJob("block-attach", () -> {
            DomainConfig before = d.config();
            String beforeText = d.configText();
            for (DiskConfig other : before.disks()) {
                if (other.vdev().equals(disk.vdev()) || other.xenDeviceNumber() == disk.xenDeviceNumber()) {
                    throw new VmhostException(ErrorCode.RESOURCE_BUSY, "domain '" + d.name() + "' already has a disk "
                            + other.vdev() + " (device " + other.xenDeviceNumber() + ")");
                }
            }
            DiskClaims.requireTarget(d.name(), disk);
            List<DiskConfig> disks = new ArrayList<>(before.disks());
            disks.add(disk);
            DomainConfig after = before.withDisks(disks);
            String text = configs.edit(d.sourceName(), beforeText, before, after);
            if (d.state() == DomainState.SHUT_OFF) {
                d.redefine(after, text, d.sourceName());
            } else {
                requireHotplug(d, "attach a disk to");
                // The disk counts as this domain's from here on, so no start elsewhere takes it meanwhile.
                claims.claim(d, List.of(disk), registry.all(), () -> {
                    d.redefine(after, text, d.sourceName());
                    return null;
                });
                try {
                    plugDisk(d, disk);
                } catch (RuntimeException e) {
                    d.redefine(before, beforeText, d.sourceName());
                    throw e;
                }
            }
            store.saveDefinition(service.definition(d));
            service.event(d, "block-attach", "disk " + disk.vdev() + " attached: " + org.vmhost.config.DiskSpec.uname(disk)
                    + " (" + disk.access().mode() + ")");
            return blockDevice(d, disk, d.runtime != null);
        });
    }

    void detachBlockDevice(String ref, String device, boolean force) {
        Domain d = service.require(ref, "detach a disk from");
        d.runJob("block-detach", () -> {
            DiskConfig disk = findDisk(d, device);
            if (d.state() != DomainState.SHUT_OFF) {
                requireHotplug(d, "detach a disk from");
                try {
                    unplugDisk(d, disk);
                } catch (VmhostException e) {
                    if (!force) throw e;
                    LOG.warning("domain '" + d.name() + "': " + e.getMessage() + "; forced, dropping " + disk.vdev()
                            + " from the configuration");
                }
            }
            List<DiskConfig> disks = new ArrayList<>(d.config().disks());
            disks.remove(disk);
            DomainConfig after = d.config().withDisks(disks);
            d.redefine(after, configs.edit(d.sourceName(), d.configText(), d.config(), after), d.sourceName());
            store.saveDefinition(service.definition(d));
            service.event(d, "block-detach", "disk " + disk.vdev() + " detached" + (force ? " (forced)" : ""));
        });
    }

    BlockDeviceInfo configureBlockDevice(String ref, BlockDeviceRequest request) {
        Domain d = service.require(ref, "change a CD-ROM of");
        return d.runJob("block-configure", () -> {
            DiskConfig drive = findDisk(d, request.vdev().replaceFirst(":cdrom$", ""));
            if (!drive.cdrom()) {
                throw new VmhostException(ErrorCode.BAD_REQUEST, "domain '" + d.name() + "': " + drive.vdev()
                        + " is not a CD-ROM drive; only a CD-ROM's medium can be changed");
            }
            DiskConfig changed;
            if (request.backend().isEmpty()) {
                changed = new DiskConfig(drive.vdev(), Optional.empty(), drive.backend(), drive.format(),
                        org.vmhost.config.DiskAccess.READ_ONLY, true);
            } else {
                DiskConfig medium = diskOf(d, new BlockDeviceRequest(request.backend(), drive.vdev() + ":cdrom",
                        request.mode().isEmpty() ? "r" : request.mode()));
                if (medium.access().writable()) {
                    throw new VmhostException(ErrorCode.BAD_REQUEST, "a CD-ROM's medium is read-only; give mode r, not "
                            + medium.access().mode());
                }
                DiskClaims.requireTarget(d.name(), medium);
                changed = medium;
            }
            List<DiskConfig> disks = new ArrayList<>(d.config().disks());
            disks.set(disks.indexOf(drive), changed);
            DomainConfig after = d.config().withDisks(disks);
            String text = configs.edit(d.sourceName(), d.configText(), d.config(), after);
            if (d.state() == DomainState.SHUT_OFF) {
                d.redefine(after, text, d.sourceName());
            } else {
                requireHotplug(d, "change a CD-ROM of");
                DomainConfig before = d.config();
                String beforeText = d.configText();
                claims.claim(d, changed.empty() ? List.of() : List.of(changed), registry.all(), () -> {
                    d.redefine(after, text, d.sourceName());
                    return null;
                });
                try {
                    changeMedium(d, drive, changed);
                } catch (RuntimeException e) {
                    d.redefine(before, beforeText, d.sourceName());
                    throw e;
                }
            }
            store.saveDefinition(service.definition(d));
            service.event(d, "block-configure", changed.empty() ? "CD-ROM " + drive.vdev() + " ejected"
                    : "CD-ROM " + drive.vdev() + " now holds " + org.vmhost.config.DiskSpec.uname(changed));
            return blockDevice(d, changed, d.runtime != null);
        });
    }

    private BlockDeviceInfo blockDevice(Domain d, DiskConfig disk, boolean running) {
        String domid = d.domid().isPresent() ? Integer.toString(d.domid().getAsInt()) : "-";
        return new BlockDeviceInfo(disk.xenDeviceNumber(), disk.vdev(), org.vmhost.config.DiskSpec.uname(disk),
                disk.access().mode(), disk.cdrom() ? "cdrom" : "disk",
                running ? BlockDeviceInfo.CONNECTED : BlockDeviceInfo.INITIALISING,
                "/local/domain/0/backend/vbd/" + domid + "/" + disk.xenDeviceNumber());
    }

    /** The disk a request stands for, read as a disk specification; a mistake is the caller's. */
    private static DiskConfig diskOf(Domain d, BlockDeviceRequest request) {
        try {
            return org.vmhost.config.DiskSpec.parse(request.spec(), warning -> LOG.info(warning));
        } catch (org.vmhost.config.ConfigValueException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "domain '" + d.name() + "': " + e.getMessage());
        }
    }

    /** A disk of a domain by vdev ({@code xvdb}) or Xen device number ({@code 51728}), as xm block-detach takes it. */
    private static DiskConfig findDisk(Domain d, String device) {
        String key = device.strip();
        return d.config().disks().stream()
                .filter(disk -> disk.vdev().equals(key) || Integer.toString(disk.xenDeviceNumber()).equals(key))
                .findFirst().orElseThrow(() -> new VmhostException(ErrorCode.NO_SUCH_DEVICE, "domain '" + d.name()
                        + "' has no disk '" + device + "' (give its vdev or device number, see xm block-list)"));
    }

    /** A device may come or go only while QEMU runs the guest (the transition table's HOTPLUG). */
    static void requireHotplug(Domain d, String verb) {
        Transitions.requireAllowed(d.name(), Operation.HOTPLUG, d.state());
        if (d.runtime == null) throw new VmhostException(ErrorCode.INVALID_STATE, "cannot " + verb + " domain '" + d.name() + "': it is not running");
    }

    /** Adds a disk to the running QEMU: the image node, then the device on the disk's bus. */
    private void plugDisk(Domain d, DiskConfig disk) {
        org.vmhost.config.DomainType type = d.config().type();
        String verb = "attach " + disk.vdev() + " to";
        boolean scsiBus = hasDevice(d, org.vmhost.qemu.QemuBlockDevices.SCSI_CONTROLLER);
        org.vmhost.qemu.QemuBlockDevices.refusal(type, disk, scsiBus).ifPresent(why -> {
            throw new VmhostException(ErrorCode.INVALID_STATE, "cannot " + verb + " domain '" + d.name() + "': " + why);
        });
        service.requireLendable(disk); // before the SCSI controller below: a refused file changes nothing
        if (disk.bus() == org.vmhost.config.DiskBus.SCSI && !scsiBus) {
            service.qmp(d, verb, q -> q.deviceAdd(org.vmhost.qemu.QemuBlockDevices.scsiControllerAdd()));
        }
        // A pv domain's virtio disk goes into a free PCIe hot-plug slot; refused before anything is made when none is.
        Optional<String> slot = org.vmhost.qemu.QemuBlockDevices.needsSlot(type, disk)
                ? Optional.of(slots.requireFree(d, verb)) : Optional.empty();
        // QEMU has dropped root by now: its user must be able to open the file.
        service.lend(d, disk);
        try {
            service.qmp(d, verb, q -> q.blockdevAdd(org.vmhost.qemu.QemuBlockDevices.blockdevAdd(disk)));
            try {
                service.qmp(d, verb, q -> q.deviceAdd(org.vmhost.qemu.QemuBlockDevices.deviceAdd(type, disk, slot)));
                if (slot.isPresent()) slots.awaitTaken(d, disk.vdev(), verb);
            } catch (RuntimeException e) {
                dropNode(d, org.vmhost.qemu.QemuBlockDevices.nodeName(disk));
                throw e;
            }
        } catch (RuntimeException e) {
            service.release(d, disk);
            throw e;
        }
    }

    /**
     * Takes a disk out of the running QEMU: asks for the device to go, waits (inside the job, polling QEMU,
     * not for an event) until the guest has let it go, then removes its image node. A disk of the boot
     * command line loses its drive with its device; one that was hot-plugged has a node to remove.
     */
    private void unplugDisk(Domain d, DiskConfig disk) {
        String verb = "detach " + disk.vdev() + " from";
        // A pv domain's virtio disk can go only from a hot-plug slot; the ones it booted with are on virtio-mmio.
        boolean pvVirtio = org.vmhost.qemu.QemuBlockDevices.needsSlot(d.config().type(), disk);
        if (disk.bus() == org.vmhost.config.DiskBus.IDE || (pvVirtio && !slots.inSlot(d, disk.vdev(), verb))) {
            throw new VmhostException(ErrorCode.INVALID_STATE, "cannot detach " + disk.vdev() + " from domain '" + d.name()
                    + "' while it runs: " + (disk.bus() == org.vmhost.config.DiskBus.IDE ? "IDE disks cannot be unplugged"
                    : "it was there at boot, on virtio-mmio, which has no hot-unplug (only disks hot-plugged since can go)")
                    + " (--force drops it from the configuration for the next start)");
        }
        service.qmp(d, verb, q -> q.deviceDel(org.vmhost.qemu.QemuBlockDevices.deviceDel(disk.vdev())));
        Duration wait = pvVirtio ? HotplugSlots.RELEASE_WAIT : DISK_RELEASE_WAIT;
        Instant deadline = Instant.now().plus(wait);
        while (hasDevice(d, disk.vdev())) {
            if (Instant.now().isAfter(deadline)) {
                throw new VmhostException(ErrorCode.TIMEOUT, "domain '" + d.name() + "' did not release " + disk.vdev()
                        + " within " + wait.toSeconds() + " s; it stays attached (--force drops it from the "
                        + "configuration anyway)");
            }
            LocalDomainService.sleep(Duration.ofMillis(200));
        }
        dropNode(d, org.vmhost.qemu.QemuBlockDevices.nodeName(disk));
        service.release(d, disk);
    }

    /** Ejects a CD-ROM's medium and, for a new one, inserts it: tray open, medium out, medium in, tray closed. */
    private void changeMedium(Domain d, DiskConfig drive, DiskConfig medium) {
        String verb = "change the medium of " + drive.vdev() + " in";
        String id = drive.vdev();
        if (!medium.empty()) service.requireLendable(medium); // a refused medium must not cost the drive its current one
        service.qmp(d, verb, q -> q.ejectMedium(org.vmhost.qemu.QemuBlockDevices.tray(id, true), org.vmhost.qemu.QemuBlockDevices.tray(id, false)));
        dropNode(d, org.vmhost.qemu.QemuBlockDevices.mediumNodeName(drive));
        service.release(d, drive);
        if (medium.empty()) return;
        service.lend(d, medium); // opened by a QEMU that has dropped root
        service.qmp(d, verb, q -> q.blockdevAdd(org.vmhost.qemu.QemuBlockDevices.mediumAdd(drive, medium)));
        service.qmp(d, verb, q -> q.insertMedium(org.vmhost.qemu.QemuBlockDevices.insertMedium(drive), org.vmhost.qemu.QemuBlockDevices.tray(id, false)));
    }

    /** Whether the running QEMU has a device of this id (qom-list of /machine/peripheral). */
    private boolean hasDevice(Domain d, String id) {
        boolean[] found = {false};
        service.qmp(d, "inspect", q -> found[0] = q.peripherals().contains(id));
        return found[0];
    }

    /**
     * Removes an image node that may not exist (a boot-time drive's went with its device): a miss is no error.
     * A device QEMU has just unplugged lets go of its node a moment after it leaves qom-list (QEMU finishes the
     * unplug later, with DEVICE_DELETED), so a node still "in use" is asked again for a few seconds.
     */
    private void dropNode(Domain d, String node) {
        DomainRuntime rt = d.runtime;
        if (rt == null) return;
        Instant deadline = Instant.now().plus(Duration.ofSeconds(5));
        while (true) {
            try {
                rt.qmp().blockdevDel(org.vmhost.qemu.QemuBlockDevices.blockdevDel(node));
                return;
            } catch (QmpException e) {
                if (!String.valueOf(e.getMessage()).contains("in use") || Instant.now().isAfter(deadline)) {
                    LOG.fine("blockdev-del " + node + ": " + e.getMessage());
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            LocalDomainService.sleep(Duration.ofMillis(100));
        }
    }
}
