package org.vmhost.domain;

import org.vmhost.error.VmhostException;
import org.vmhost.error.ErrorCode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.vmhost.config.DiskConfig;
import org.vmhost.store.Store;

/**
 * Disk images in storage pools (xm image-*): list, inspect, create, clone, import, resize and delete, refusing
 * what would pull an image from under a running domain or a linked clone; a running domain's disk grows through
 * its QEMU.
 *
 * <p>The pools: xend's own, {@code $VMHOST_HOME/images} (made, 0700, when the first image is made in it), and the
 * directories an administrator named in xend.conf ({@code image_pools = [...]}), which must exist. Any other
 * directory is refused, so that no request can make a directory or read one it was not given. Reading
 * (list, info) never makes anything.
 */
final class ImageOperations {
    private final LocalDomainService service;
    private final XendHome home;
    private final Store store;
    private final DomainRegistry registry;
    private final List<Path> extraPools;

    ImageOperations(LocalDomainService service, XendHome home, Store store, DomainRegistry registry, List<Path> extraPools) {
        this.service = service;
        this.home = home;
        this.store = store;
        this.registry = registry;
        this.extraPools = List.copyOf(extraPools);
    }

    List<org.vmhost.storage.ImageInfo> listImages(String pool) {
        if (ownPoolMissing(pool)) return List.of();
        return storage(() -> pool(pool, false).list());
    }

    org.vmhost.storage.ImageInfo imageInfo(String pool, String name) {
        if (ownPoolMissing(pool)) {
            throw new VmhostException(ErrorCode.NO_SUCH_DEVICE, "image " + name + " does not exist in " + home.imagesDir());
        }
        return storage(() -> pool(pool, false).info(name));
    }

    org.vmhost.storage.ImageInfo importImage(String pool, String name, String format) {
        org.vmhost.storage.ImageInfo done = storage(() -> pool(pool, false).importImage(name, format));
        store.appendEvent(Instant.now(), "Domain-0", "image-imported", "image " + done.path() + " recorded as " + done.format());
        return done;
    }

    org.vmhost.storage.ImageInfo createImage(String pool, String name, String format, long bytes) {
        org.vmhost.storage.ImageInfo made = storage(() -> pool(pool, true).create(name, format, bytes));
        store.appendEvent(Instant.now(), "Domain-0", "image-created", "image " + made.path() + " created: " + made.format()
                + ", " + made.virtualSize() + " bytes");
        return made;
    }

    org.vmhost.storage.ImageInfo cloneImage(String pool, String source, String name, boolean linked) {
        org.vmhost.storage.ImageInfo made = storage(() -> pool(pool, false).cloneImage(source, name, linked));
        store.appendEvent(Instant.now(), "Domain-0", "image-cloned", "image " + made.path() + (linked ? " linked to " : " copied from ")
                + source);
        return made;
    }

    /**
     * Resizes an image: through its QEMU ({@code block_resize}, growing only) when a running domain has it open,
     * with qemu-img otherwise.
     */
    org.vmhost.storage.ImageInfo resizeImage(String pool, String name, long bytes, boolean shrink) {
        org.vmhost.storage.ImagePool p = storage(() -> pool(pool, false));
        Path path = storage(() -> p.path(name));
        Optional<Domain> user = userOf(path);
        if (user.isEmpty()) {
            org.vmhost.storage.ImageInfo done = storage(() -> p.resize(name, bytes, shrink));
            store.appendEvent(Instant.now(), "Domain-0", "image-resized", "image " + done.path() + " resized to " + bytes + " bytes");
            return done;
        }
        Domain d = user.get();
        d.runJob("resize a disk of", () -> {
            DiskConfig disk = d.config().disks().stream().filter(k -> k.target().map(t -> sameFile(Path.of(t), path)).orElse(false))
                    .findFirst().orElseThrow(() -> new VmhostException(ErrorCode.RESOURCE_BUSY, "image " + path
                            + " changed hands while being resized; try again"));
            org.vmhost.storage.ImageInfo before = storage(() -> p.info(name));
            if (bytes < before.virtualSize()) {
                throw new VmhostException(ErrorCode.RESOURCE_BUSY, "image " + path + " is disk " + disk.vdev() + " of running domain '"
                        + d.name() + "'; it can grow while the domain runs, but shrink only while it is off");
            }
            DiskHotplug.requireHotplug(d, "resize a disk of");
            String verb = "resize " + disk.vdev() + " of";
            service.qmp(d, verb, q -> org.vmhost.qemu.QemuBlockDevices.resize(q, disk, bytes));
            service.event(d, "image-resized", "disk " + disk.vdev() + " (" + path + ") grown to " + bytes + " bytes while running");
        });
        return storage(() -> p.info(name));
    }

    void deleteImage(String pool, String name) {
        org.vmhost.storage.ImagePool p = storage(() -> pool(pool, false));
        Path path = storage(() -> p.path(name));
        userOf(path).ifPresent(d -> {
            throw new VmhostException(ErrorCode.RESOURCE_BUSY, "image " + path + " is in use by domain '" + d.name() + "'");
        });
        storage(() -> {
            p.delete(name);
            return null;
        });
        store.appendEvent(Instant.now(), "Domain-0", "image-deleted", "image " + path + " deleted");
    }

    /** xend's own pool first, then those of xend.conf's {@code image_pools}. */
    List<org.vmhost.storage.PoolInfo> listPools() {
        List<org.vmhost.storage.PoolInfo> pools = new java.util.ArrayList<>();
        pools.add(new org.vmhost.storage.PoolInfo(home.imagesDir().toString(), true));
        for (Path p : extraPools) pools.add(new org.vmhost.storage.PoolInfo(p.toString(), false));
        return pools;
    }

    /**
     * For {@code delete --images}: the images a domain writes (CD-ROM media and disks it only reads, often shared, stay),
     * each checked to be deletable now, as deletions to run once its definition is gone. Refused, before anything
     * changes, for a disk outside xend's storage pools, an image another domain also has as a disk, or the backing
     * image of a linked clone.
     */
    List<Runnable> planDeletion(Domain d) {
        List<Runnable> plan = new java.util.ArrayList<>();
        java.util.Set<Path> seen = new java.util.HashSet<>();
        for (DiskConfig disk : d.config().disks()) {
            if (disk.cdrom() || disk.target().isEmpty() || !disk.access().writable()) continue; // media and bases it only reads stay
            String where = "domain '" + d.name() + "': disk " + disk.vdev() + ": ";
            if (disk.backend() != org.vmhost.config.DiskBackend.FILE) {
                throw new VmhostException(ErrorCode.BAD_REQUEST, where + disk.target().get() + " is not an image file of a storage "
                        + "pool; delete the domain without its images");
            }
            Path path = Path.of(disk.target().get()).toAbsolutePath().normalize();
            if (!seen.add(path)) continue;
            org.vmhost.storage.ImagePool pool = poolHolding(path).orElseThrow(() -> new VmhostException(ErrorCode.BAD_REQUEST,
                    where + path + " is not in one of xend's storage pools (" + String.join(", ",
                            listPools().stream().map(org.vmhost.storage.PoolInfo::path).toList())
                            + "); xend deletes only images of its pools: delete the domain without its images"));
            String name = path.getFileName().toString();
            for (Domain other : registry.all()) {
                if (other == d || other.error().isPresent()) continue;
                for (DiskConfig o : other.config().disks()) {
                    if (o.target().map(t -> sameFile(Path.of(t), path)).orElse(false)) {
                        throw new VmhostException(ErrorCode.RESOURCE_BUSY, where + "image " + path + " is also disk " + o.vdev()
                                + " of domain '" + other.name() + "'; delete the domain without its images");
                    }
                }
            }
            storage(() -> {
                pool.requireDeletable(name);
                return null;
            });
            plan.add(() -> {
                storage(() -> {
                    pool.delete(name);
                    return null;
                });
                store.appendEvent(Instant.now(), "Domain-0", "image-deleted", "image " + path + " deleted with domain '" + d.name() + "'");
            });
        }
        return plan;
    }

    private Optional<org.vmhost.storage.ImagePool> poolHolding(Path image) {
        Path dir = image.getParent();
        if (dir == null) return Optional.empty();
        List<Path> candidates = new java.util.ArrayList<>(extraPools);
        candidates.add(0, home.imagesDir());
        for (Path pool : candidates) {
            if (java.nio.file.Files.isDirectory(pool) && samePlace(dir, pool)) return Optional.of(storage(() -> org.vmhost.storage.ImagePool.open(pool)));
        }
        return Optional.empty();
    }

    /** The running domain that has this file as one of its disks, if any. */
    private Optional<Domain> userOf(Path image) {
        for (Domain d : registry.all()) {
            if (!d.state().active() || d.error().isPresent()) continue;
            for (DiskConfig disk : d.config().disks()) {
                if (disk.target().map(t -> sameFile(Path.of(t), image)).orElse(false)) return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return org.vmhost.storage.DiskIdentity.of(a).overlaps(org.vmhost.storage.DiskIdentity.of(b));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Refuses a disk QEMU would open as something else than its format says, or through which it would open files
     * outside the image's own directory (see {@link org.vmhost.storage.ImagePool#requireContained}).
     */
    static void requireContained(String domain, DiskConfig disk) {
        if (disk.target().isEmpty()) return;
        String format = disk.format() == org.vmhost.config.DiskFormat.VHD ? "vpc" : disk.format().configName();
        try {
            org.vmhost.storage.ImagePool.requireContained(Path.of(disk.target().get()), format);
        } catch (org.vmhost.storage.StorageException e) {
            throw new VmhostException(ErrorCode.INVALID_CONFIG, "domain '" + domain + "': disk " + disk.vdev() + ": " + e.getMessage());
        }
    }

    /** Whether {@code pool} names xend's own pool and it does not exist yet (reading it then finds nothing). */
    private boolean ownPoolMissing(String pool) {
        return (pool == null || pool.isEmpty()) && !java.nio.file.Files.isDirectory(home.imagesDir());
    }

    /**
     * A pool: xend's own when none is named (made when {@code make}), else one of the directories xend.conf names
     * in {@code image_pools}, which must exist, or xend's own named by its path.
     */
    private org.vmhost.storage.ImagePool pool(String dir, boolean make) {
        Path own = home.imagesDir();
        if (dir == null || dir.isEmpty()) {
            return make ? org.vmhost.storage.ImagePool.make(own) : org.vmhost.storage.ImagePool.open(own);
        }
        Path asked = Path.of(dir);
        if (!asked.isAbsolute()) throw new VmhostException(ErrorCode.BAD_REQUEST, "pool directory '" + dir + "' is not an absolute path");
        asked = asked.normalize();
        if (asked.equals(own)) return make ? org.vmhost.storage.ImagePool.make(own) : org.vmhost.storage.ImagePool.open(own);
        for (Path allowed : extraPools) {
            if (samePlace(asked, allowed)) return org.vmhost.storage.ImagePool.open(allowed);
        }
        throw new VmhostException(ErrorCode.UNAUTHORIZED, "pool directory " + asked + " is not one of xend's storage pools ("
                + own + (extraPools.isEmpty() ? "" : ", " + String.join(", ", extraPools.stream().map(Path::toString).toList()))
                + "); an administrator adds pools with image_pools = [ ... ] in " + home.settingsFile());
    }

    private static boolean samePlace(Path a, Path b) {
        if (a.equals(b.normalize())) return true;
        try {
            return java.nio.file.Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs a storage call, its failures as the error codes the API answers with. */
    private static <T> T storage(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (org.vmhost.storage.StorageException e) {
            ErrorCode code = switch (e.kind()) {
                case BAD_REQUEST -> ErrorCode.BAD_REQUEST;
                case NOT_FOUND -> ErrorCode.NO_SUCH_DEVICE;
                case EXISTS -> ErrorCode.RESOURCE_BUSY;
                case FAILED -> ErrorCode.HOST_FAILED;
            };
            throw new VmhostException(code, e.getMessage());
        } catch (java.nio.file.InvalidPathException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, e.getMessage());
        }
    }
}
