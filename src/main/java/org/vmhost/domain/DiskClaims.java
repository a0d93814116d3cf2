package org.vmhost.domain;

import org.vmhost.error.VmhostException;
import org.vmhost.error.ErrorCode;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.vmhost.config.DiskAccess;
import org.vmhost.config.DiskBackend;
import org.vmhost.config.DiskConfig;
import org.vmhost.storage.DiskIdentity;

/**
 * Xen's rule for disks shared between domains: a disk given writable ({@code w}) to a running domain is
 * given to no other, read-only or writable, unless both say {@code w!}; read-only and {@code w!} users may
 * share. Two names of one file or device are one disk ({@link DiskIdentity}), and a partition overlaps its
 * whole disk.
 *
 * <p>Locking: the check and the change that makes a domain count as a user (its move to STARTING, or a
 * hot-plugged disk entering its live configuration) happen together under this object's monitor, so two
 * starts can never both pass. The monitor is held only for that: a few {@code stat} calls, never QEMU I/O
 * or a job's wait.
 */
final class DiskClaims {

    /**
     * Checks {@code disks} of {@code d} against every other active domain, then runs {@code claim} (which
     * must make them count, e.g. move {@code d} to STARTING) before anyone else may check.
     *
     * @throws VmhostException RESOURCE_BUSY naming the other domain; INVALID_CONFIG for a missing target
     */
    synchronized <T> T claim(Domain d, List<DiskConfig> disks, Collection<Domain> all, Supplier<T> claim) {
        List<Held> mine = identify(d.name(), disks);
        for (Domain other : all) {
            // A domain whose definition no longer reads has disks nobody can know; it is not counted.
            if (other == d || !other.state().active() || other.error().isPresent()) continue;
            for (Held theirs : identify(other.name(), other.config().disks(), true)) {
                for (Held m : mine) {
                    if (m.id.overlaps(theirs.id) && conflict(m.disk.access(), theirs.disk.access())) {
                        throw new VmhostException(ErrorCode.RESOURCE_BUSY, "domain '" + d.name() + "': disk "
                                + m.disk.vdev() + " (" + m.disk.target().orElseThrow() + ", mode " + m.disk.access().mode()
                                + ") is in use by domain '" + other.name() + "' as " + theirs.disk.vdev() + " (mode "
                                + theirs.disk.access().mode() + "); only disks both give as w! may be shared");
                    }
                }
            }
        }
        return claim.get();
    }

    /** Writable without w! on either side refuses any other user; r with r, r with w!, w! with w! share. */
    static boolean conflict(DiskAccess a, DiskAccess b) {
        return a == DiskAccess.READ_WRITE || b == DiskAccess.READ_WRITE;
    }

    private record Held(DiskConfig disk, DiskIdentity id) {
    }

    private static List<Held> identify(String domain, List<DiskConfig> disks) {
        return identify(domain, disks, false);
    }

    /** The identities of disks with a target; for another domain's, a target that vanished is skipped. */
    private static List<Held> identify(String domain, List<DiskConfig> disks, boolean lenient) {
        List<Held> held = new ArrayList<>();
        for (DiskConfig disk : disks) {
            Optional<String> target = disk.target();
            if (target.isEmpty() || disk.nbd().isPresent()) continue; // an NBD export is its server's to share
            try {
                held.add(new Held(disk, DiskIdentity.of(Path.of(target.get()))));
            } catch (NoSuchFileException e) {
                if (!lenient) throw missing(domain, disk);
            } catch (IOException e) {
                if (!lenient) {
                    throw new VmhostException(ErrorCode.INVALID_CONFIG, "domain '" + domain + "': disk " + disk.vdev()
                            + ": " + e.getMessage());
                }
            }
        }
        return held;
    }

    /**
     * Refuses a disk whose target is missing, or a {@code phy:} disk whose target is not a block device, or an
     * image QEMU would open otherwise than as its recorded format or through files outside its directory,
     * before anything is made.
     */
    static void requireTarget(String domain, DiskConfig disk) {
        if (disk.target().isEmpty() || disk.nbd().isPresent()) return;
        Path p = Path.of(disk.target().get());
        if (!java.nio.file.Files.exists(p)) throw missing(domain, disk);
        if (disk.backend() == DiskBackend.PHY && !DiskIdentity.isBlockDevice(p)) {
            throw new VmhostException(ErrorCode.INVALID_CONFIG, "domain '" + domain + "': disk " + disk.vdev() + ": phy:"
                    + disk.target().get() + " is not a block device (use file: for an image file)");
        }
        ImageOperations.requireContained(domain, disk);
    }

    private static VmhostException missing(String domain, DiskConfig disk) {
        return new VmhostException(ErrorCode.INVALID_CONFIG, "domain '" + domain + "': disk " + disk.vdev() + ": "
                + disk.target().orElseThrow() + " does not exist");
    }
}
