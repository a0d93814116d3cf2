package org.vmhost.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a disk target is on this host, so that two names of one thing are seen as one: an image file is
 * its file system and inode (hard links and symlinks resolve to it), a block device its device number
 * ({@code /dev/vg/lv}, {@code /dev/mapper/vg-lv} and {@code /dev/dm-3} are one device). A partition also
 * knows its whole disk, since writing the disk writes the partition too.
 *
 * @param key       {@code file DEV:INO} or {@code block MAJOR:MINOR}
 * @param wholeDisk for a partition, the key of the disk it is on
 * @param path      the real path it was found at, for messages
 */
public record DiskIdentity(String key, Optional<String> wholeDisk, Path path) {
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFREG = 0100000;
    private static final Path SYS_DEV_BLOCK = Path.of("/sys/dev/block");

    public DiskIdentity {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(wholeDisk, "wholeDisk");
        Objects.requireNonNull(path, "path");
    }

    /**
     * The identity of a file or block device.
     *
     * @throws java.nio.file.NoSuchFileException when it does not exist
     * @throws IOException when it cannot be read, or is neither a regular file nor a block device
     */
    public static DiskIdentity of(Path target) throws IOException {
        Path real = target.toRealPath();
        Map<String, Object> a = Files.readAttributes(real, "unix:mode,rdev,dev,ino");
        int type = (Integer) a.get("mode") & S_IFMT;
        if (type == S_IFBLK) {
            long rdev = (Long) a.get("rdev");
            String dev = major(rdev) + ":" + minor(rdev);
            return new DiskIdentity("block " + dev, wholeDiskOf(dev), real);
        }
        if (type == S_IFREG) return new DiskIdentity("file " + a.get("dev") + ":" + a.get("ino"), Optional.empty(), real);
        throw new IOException(target + " is neither an image file nor a block device");
    }

    /** Whether {@code path} is a block device (following symlinks). */
    public static boolean isBlockDevice(Path path) {
        try {
            return ((Integer) Files.getAttribute(path, "unix:mode") & S_IFMT) == S_IFBLK;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    public boolean blockDevice() {
        return key.startsWith("block ");
    }

    /** The same file or device, or a partition and the disk it is on. */
    public boolean overlaps(DiskIdentity other) {
        return key.equals(other.key) || wholeDisk.map(other.key::equals).orElse(false)
                || other.wholeDisk.map(key::equals).orElse(false);
    }

    /** glibc's gnu_dev_major/minor. */
    static long major(long rdev) {
        return ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & 0xfffff000L);
    }

    static long minor(long rdev) {
        return (rdev & 0xff) | ((rdev >>> 12) & 0xffffff00L);
    }

    /** A partition's sysfs directory sits inside its disk's: {@code /sys/dev/block/7:1 -> .../loop0/loop0p1}. */
    private static Optional<String> wholeDiskOf(String dev) {
        Path sys = SYS_DEV_BLOCK.resolve(dev);
        if (!Files.exists(sys.resolve("partition"))) return Optional.empty();
        try {
            Path parent = sys.toRealPath().getParent();
            return Optional.of("block " + Files.readString(parent.resolve("dev")).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
