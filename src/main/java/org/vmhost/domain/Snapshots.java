package org.vmhost.domain;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.vmhost.config.DiskBackend;
import org.vmhost.config.DiskConfig;
import org.vmhost.config.DiskFormat;
import org.vmhost.domain.Transitions.Operation;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.qemu.QemuSnapshots;
import org.vmhost.storage.ImageSnapshots;
import org.vmhost.storage.StorageException;

/**
 * {@code xm snapshot-create|list|apply|delete}: internal snapshots inside a domain's qcow2 images. A running
 * domain's go through its QEMU (memory and device state with the disks, or the disks alone at one instant); a
 * shut-off domain's disks through qemu-img. A domain with any writable disk that is not qcow2 is refused, naming
 * it. Every operation runs inside the domain's job.
 */
final class Snapshots {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private final LocalDomainService service;

    Snapshots(LocalDomainService service) {
        this.service = service;
    }

    List<SnapshotInfo> list(String ref) {
        Domain d = service.require(ref, "list the snapshots of");
        return d.runJob("snapshot-list", () -> {
            d.requireReadable();
            return snapshots(d, disks(d, "list the snapshots of"));
        });
    }

    SnapshotInfo create(String ref, String name, boolean diskOnly) {
        requireName(name);
        Domain d = service.require(ref, "snapshot");
        return d.runJob("snapshot-create", () -> {
            Transitions.requireAllowed(d.name(), Operation.SNAPSHOT, d.state());
            List<DiskConfig> disks = disks(d, "snapshot");
            if (find(snapshots(d, disks), name).isPresent()) {
                throw new VmhostException(ErrorCode.RESOURCE_BUSY, "domain '" + d.name() + "' has a snapshot named '" + name
                        + "' already");
            }
            List<String> vdevs = disks.stream().map(DiskConfig::vdev).toList();
            if (running(d)) {
                // As a save: a QEMU started from the configuration, the one that applies it to a shut-off domain,
                // would not have hot-plugged devices where the memory state expects them.
                if (!diskOnly) service.requireNoHotplugged(d, "snapshot the memory of", "; a snapshot of the disks alone (-d) is not affected");
                service.qmp(d, "snapshot", qmp -> {
                    if (diskOnly) QemuSnapshots.saveDisks(qmp, name, vdevs);
                    else QemuSnapshots.save(qmp, name, vdevs, TIMEOUT);
                });
            } else if (!diskOnly) {
                throw new VmhostException(ErrorCode.INVALID_STATE, "cannot snapshot the memory of domain '" + d.name()
                        + "': it is not running (take its disks alone with -d)");
            } else {
                List<Path> made = new ArrayList<>();
                try {
                    for (DiskConfig disk : disks) {
                        ImageSnapshots.create(path(disk), name);
                        made.add(path(disk));
                    }
                } catch (RuntimeException e) {
                    for (Path p : made) deleteQuietly(p, name);
                    throw failed(d, "snapshot", e);
                }
            }
            service.event(d, "snapshot-created", "snapshot '" + name + "' taken (" + (diskOnly ? "disks only" : "memory, devices and disks") + ")");
            return find(snapshots(d, disks), name).orElseThrow(() -> new VmhostException(ErrorCode.INTERNAL,
                    "snapshot '" + name + "' of domain '" + d.name() + "' was taken but is not listed"));
        });
    }

    DomainInfo apply(String ref, String name) {
        Domain d = service.require(ref, "apply a snapshot to");
        return d.runJob("snapshot-apply", () -> {
            Transitions.requireAllowed(d.name(), Operation.SNAPSHOT, d.state());
            List<DiskConfig> disks = disks(d, "apply a snapshot to");
            SnapshotInfo s = requireSnapshot(d, disks, name);
            List<String> vdevs = disks.stream().map(DiskConfig::vdev).toList();
            if (running(d)) {
                if (s.diskOnly()) {
                    throw new VmhostException(ErrorCode.INVALID_STATE, "cannot apply the disk-only snapshot '" + name
                            + "' to domain '" + d.name() + "' while it runs: its guest would see its disks change under it (shut it down first)");
                }
                service.qmp(d, "apply a snapshot to", qmp -> QemuSnapshots.load(qmp, name, vdevs, TIMEOUT));
            } else if (s.diskOnly()) {
                try {
                    for (DiskConfig disk : disks) ImageSnapshots.apply(path(disk), name);
                } catch (RuntimeException e) {
                    throw failed(d, "apply a snapshot to", e);
                }
            } else {
                // A full snapshot of a shut-off domain: start it with the guest as the snapshot left it.
                configsExist(d);
                service.launch(d, false, new Launch.Incoming() {
                    @Override
                    public void load(org.vmhost.qemu.qmp.QmpClient qmp) throws Exception {
                        QemuSnapshots.load(qmp, name, vdevs, TIMEOUT);
                    }

                    @Override
                    public boolean stream() {
                        return false;
                    }
                });
            }
            service.event(d, "snapshot-applied", "snapshot '" + name + "' applied");
            return service.info(d);
        });
    }

    void delete(String ref, String name) {
        Domain d = service.require(ref, "delete a snapshot of");
        d.runJob("snapshot-delete", () -> {
            Transitions.requireAllowed(d.name(), Operation.SNAPSHOT, d.state());
            List<DiskConfig> disks = disks(d, "delete a snapshot of");
            requireSnapshot(d, disks, name);
            List<String> vdevs = disks.stream().map(DiskConfig::vdev).toList();
            if (running(d)) {
                service.qmp(d, "delete a snapshot of", qmp -> QemuSnapshots.delete(qmp, name, vdevs, TIMEOUT));
            } else {
                try {
                    for (DiskConfig disk : disks) {
                        if (ImageSnapshots.list(path(disk), false).stream().anyMatch(s -> s.name().equals(name))) {
                            ImageSnapshots.delete(path(disk), name);
                        }
                    }
                } catch (RuntimeException e) {
                    throw failed(d, "delete a snapshot of", e);
                }
            }
            service.event(d, "snapshot-deleted", "snapshot '" + name + "' deleted");
        });
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** The domain's writable disks, every one a qcow2 image file; anything else is refused with its name. */
    private static List<DiskConfig> disks(Domain d, String verb) {
        List<DiskConfig> disks = new ArrayList<>();
        for (DiskConfig disk : d.config().disks()) {
            if (disk.cdrom() || !disk.access().writable()) continue;
            if (disk.format() != DiskFormat.QCOW2 || disk.backend() == DiskBackend.NBD || disk.target().isEmpty()) {
                throw new VmhostException(ErrorCode.BAD_REQUEST, "cannot " + verb + " domain '" + d.name() + "': its disk "
                        + disk.vdev() + disk.target().map(t -> " (" + t + ")").orElse("") + " is "
                        + (disk.backend() == DiskBackend.NBD ? "an NBD export" : disk.format().configName())
                        + "; snapshots are kept inside qcow2 images, so every writable disk must be a qcow2 file");
            }
            disks.add(disk);
        }
        if (disks.isEmpty()) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "cannot " + verb + " domain '" + d.name()
                    + "': it has no writable qcow2 disk to keep snapshots in");
        }
        return disks;
    }

    private List<SnapshotInfo> snapshots(Domain d, List<DiskConfig> disks) {
        List<SnapshotInfo> out = new ArrayList<>();
        if (running(d)) {
            service.qmp(d, "list the snapshots of", qmp -> {
                for (QemuSnapshots.Listed s : QemuSnapshots.list(qmp, disks.get(0).vdev())) {
                    out.add(new SnapshotInfo(s.name(), s.vmStateSize() == 0, s.date(), s.vmStateSize()));
                }
            });
        } else {
            try {
                for (ImageSnapshots.Snapshot s : ImageSnapshots.list(path(disks.get(0)), true)) {
                    out.add(new SnapshotInfo(s.name(), s.vmStateSize() == 0, s.date(), s.vmStateSize()));
                }
            } catch (RuntimeException e) {
                throw failed(d, "list the snapshots of", e);
            }
        }
        return out;
    }

    private SnapshotInfo requireSnapshot(Domain d, List<DiskConfig> disks, String name) {
        return find(snapshots(d, disks), name).orElseThrow(() -> new VmhostException(ErrorCode.NO_SUCH_DEVICE,
                "domain '" + d.name() + "' has no snapshot named '" + name + "'"));
    }

    private static Optional<SnapshotInfo> find(List<SnapshotInfo> list, String name) {
        return list.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    private static boolean running(Domain d) {
        return d.runtime != null && d.state() != DomainState.SHUT_OFF;
    }

    private static void requireName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "invalid snapshot name '" + name
                    + "': 1 to 64 letters, digits, '.', '_' or '-', not starting with '.', '_' or '-'");
        }
    }

    private static Path path(DiskConfig disk) {
        return Path.of(disk.target().orElseThrow());
    }

    private static void configsExist(Domain d) {
        for (DiskConfig disk : d.config().disks()) DiskClaims.requireTarget(d.name(), disk);
    }

    private static void deleteQuietly(Path image, String name) {
        try {
            ImageSnapshots.delete(image, name);
        } catch (RuntimeException e) {
            LocalDomainService.LOG.warning("cannot remove the half-made snapshot '" + name + "' from " + image + ": " + e.getMessage());
        }
    }

    private static VmhostException failed(Domain d, String verb, RuntimeException e) {
        if (e instanceof VmhostException ve) return new VmhostException(ve.code(), "cannot " + verb + " domain '" + d.name() + "': " + ve.getMessage());
        ErrorCode code = e instanceof StorageException se && se.kind() == StorageException.Kind.BAD_REQUEST ? ErrorCode.BAD_REQUEST : ErrorCode.HOST_FAILED;
        return new VmhostException(code, "cannot " + verb + " domain '" + d.name() + "': " + e.getMessage());
    }
}
