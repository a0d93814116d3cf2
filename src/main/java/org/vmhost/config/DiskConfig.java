package org.vmhost.config;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One virtual disk as the user configured it.
 *
 * @param vdev    the guest's name for it ({@code xvda}, {@code hdc}, {@code sda1}); decides the bus
 * @param target  the host file or device, or an NBD export's URL; empty only for an empty CD-ROM drive
 * @param backend file, block device or NBD export
 * @param format  image format of the target
 * @param access  r, w or w!
 * @param cdrom   a CD-ROM drive rather than a hard disk
 */
public record DiskConfig(String vdev, Optional<String> target, DiskBackend backend, DiskFormat format,
                         DiskAccess access, boolean cdrom) {

    private static final Pattern VDEV = Pattern.compile("(xvd|hd|sd|vd)([a-z]+)([0-9]*)");

    public DiskConfig {
        Objects.requireNonNull(vdev, "vdev");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(access, "access");
        if (!VDEV.matcher(vdev).matches()) {
            throw new IllegalArgumentException("invalid virtual device name '" + vdev
                    + "': expected xvdX, hdX, sdX or vdX, optionally with a partition number");
        }
        if (target.isEmpty() && !cdrom) {
            throw new IllegalArgumentException("disk " + vdev + " has no target; only a CD-ROM drive may be empty");
        }
        target.ifPresent(t -> {
            if (t.isEmpty()) throw new IllegalArgumentException("disk " + vdev + ": empty target");
            if (t.indexOf('\0') >= 0) throw new IllegalArgumentException("disk " + vdev + ": NUL in target");
            // xl's target= takes the rest of the spec but drops one final comma, so such a name cannot be written
            if (t.endsWith(",")) throw new IllegalArgumentException("disk " + vdev + ": target ends with a comma");
        });
        xenDeviceNumber(vdev); // rejects indexes Xen could not number
        if (backend == DiskBackend.NBD) {
            String t = target.orElseThrow(() -> new IllegalArgumentException("disk " + vdev + ": an NBD disk needs a server"));
            if (!NbdExport.parse(t).url().equals(t)) {
                throw new IllegalArgumentException("disk " + vdev + ": NBD target '" + t + "' is not written as "
                        + NbdExport.parse(t).url());
            }
        }
    }

    /** Where an NBD disk is served; empty for any other disk. */
    public Optional<NbdExport> nbd() {
        return backend == DiskBackend.NBD ? target.map(NbdExport::parse) : Optional.empty();
    }

    /** The bus named by the vdev prefix. */
    public DiskBus bus() {
        return switch (prefix(vdev)) {
            case "xvd" -> DiskBus.XEN;
            case "hd" -> DiskBus.IDE;
            case "sd" -> DiskBus.SCSI;
            default -> DiskBus.VIRTIO;
        };
    }

    /** An empty CD-ROM drive, waiting for media. */
    public boolean empty() {
        return target.isEmpty();
    }

    /** Xen's device number for this vdev (xvda 51712, hda 768, sda 2048), as {@code xm block-list} shows. */
    public int xenDeviceNumber() {
        return xenDeviceNumber(vdev);
    }

    /**
     * Xen's numbering, as libxl computes it: IDE majors 3 and 22 with 64 minors a disk; SCSI major 8 with
     * 16; xvd major 202 with 16, and the extended form {@code 1<<28 | disk<<8 | partition} beyond.
     */
    public static int xenDeviceNumber(String vdev) {
        Matcher m = VDEV.matcher(vdev);
        if (!m.matches()) throw new IllegalArgumentException("invalid virtual device name '" + vdev + "'");
        long disk = diskIndex(m.group(2));
        int partition = m.group(3).isEmpty() ? 0 : parsePartition(vdev, m.group(3));
        switch (m.group(1)) {
            case "hd" -> {
                if (disk > 3 || partition > 63) throw outOfRange(vdev);
                return ((disk < 2 ? 3 : 22) << 8) | (int) ((disk & 1) << 6) | partition;
            }
            case "sd" -> {
                if (disk > 15 || partition > 15) throw outOfRange(vdev);
                return (8 << 8) | (int) (disk << 4) | partition;
            }
            default -> { // xvd, and vd numbered like it
                if (disk <= 15 && partition <= 15) return (202 << 8) | (int) (disk << 4) | partition;
                if (disk <= (1 << 20) - 1 && partition <= 255) return (1 << 28) | (int) (disk << 8) | partition;
                throw outOfRange(vdev);
            }
        }
    }

    /** The disk's index from its letters: a=0 ... z=25, aa=26 (bijective base 26, as Linux names disks). */
    static long diskIndex(String letters) {
        long n = 0;
        for (char c : letters.toCharArray()) {
            n = n * 26 + (c - 'a' + 1);
            if (n > Integer.MAX_VALUE) return Integer.MAX_VALUE;
        }
        return n - 1;
    }

    private static int parsePartition(String vdev, String digits) {
        if (digits.length() > 4 || (digits.length() > 1 && digits.charAt(0) == '0')) throw outOfRange(vdev);
        return Integer.parseInt(digits);
    }

    private static IllegalArgumentException outOfRange(String vdev) {
        return new IllegalArgumentException("virtual device name '" + vdev + "' is out of Xen's range");
    }

    private static String prefix(String vdev) {
        Matcher m = VDEV.matcher(vdev);
        m.matches();
        return m.group(1);
    }
}
