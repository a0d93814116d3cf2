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
 * Disk images in storage pools (xm image-*): list, inspect, create, clone, resize and delete, refusing
 * what would pull an image from under a running domain; a running domain's disk grows through its QEMU.
 */
final class ImageOperations {
    private final LocalDomainService service;
    private final XendHome home;
    private final Store store;
    private final DomainRegistry registry;

    ImageOperations(LocalDomainService service, XendHome home, Store store, DomainRegistry registry) {
        this.service = service;
        this.home = home;
        this.store = store;
        this.registry = registry;
    }

    List<org.vmhost.storage.ImageInfo> listImages(String pool) {
        return storage(() -> pool(pool).list());
    }

    org.vmhost.storage.ImageInfo imageInfo(String pool, String name) {
        return storage(() -> pool(pool).info(name));
    }

    org.vmhost.storage.ImageInfo createImage(String pool, String name, String format, long bytes) {
        org.vmhost.storage.ImageInfo made = storage(() -> pool(pool).create(name, format, bytes));
        store.appendEvent(Instant.now(), "Domain-0", "image-created", "image " + made.path() + " created: " + made.format()
                + ", " + made.virtualSize() + " bytes");
        return made;
    }

    org.vmhost.storage.ImageInfo cloneImage(String pool, String source, String name, boolean linked) {
        org.vmhost.storage.ImageInfo made = storage(() -> pool(pool).cloneImage(source, name, linked));
        store.appendEvent(Instant.now(), "Domain-0", "image-cloned", "image " + made.path() + (linked ? " linked to " : " copied from ")
                + source);
        return made;
    }

    /**
     * Resizes an image: through its QEMU ({@code block_resize}, growing only) when a running domain has it open,
     * with qemu-img otherwise.
     */
    org.vmhost.storage.ImageInfo resizeImage(String pool, String name, long bytes, boolean shrink) {
        org.vmhost.storage.ImagePool p = storage(() -> pool(pool));
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
        org.vmhost.storage.ImagePool p = storage(() -> pool(pool));
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

    /** A pool: xend's images directory when none is named, else the absolute directory given. */
    private org.vmhost.storage.ImagePool pool(String dir) {
        return org.vmhost.storage.ImagePool.open(dir == null || dir.isEmpty() ? home.imagesDir() : Path.of(dir));
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
