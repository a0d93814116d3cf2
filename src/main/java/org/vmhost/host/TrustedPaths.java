package org.vmhost.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Whether anyone but root (or xend's own user) could change what a path names between xend's check of it and
 * its use by root: by renaming another file into its place (a directory above it they may write), or by writing
 * the file itself. xend checks a file, then root acts on it by its path (QEMU opening an image and the backing
 * files its header names; a chown); such a file must hold still meanwhile.
 */
public final class TrustedPaths {
    private static final int S_ISVTX = 01000;

    private TrustedPaths() {
    }

    /**
     * Why someone else could put another file in this one's place, if so: a directory above it is not root's (or
     * xend's user's), or another user or a group other than root's may write it. A sticky directory (where only an
     * entry's owner may rename it, like /tmp) does if the entry below it on the way is trusted; for the file itself
     * only with {@code stickyForFile}: a file that is to change owners (lent to QEMU's user) could be renamed by its
     * new owner there.
     */
    public static Optional<String> whoElseMayRename(Path file, boolean stickyForFile) throws IOException {
        Path absolute = file.toAbsolutePath();
        Path below = absolute;
        for (Path dir = below.getParent(); dir != null; below = dir, dir = dir.getParent()) {
            Map<String, Object> a = Files.readAttributes(dir, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
            int owner = (Integer) a.get("uid");
            int mode = (Integer) a.get("mode");
            if (!trusted(owner)) return Optional.of(dir + " is writable by uid " + owner);
            Optional<String> writers = otherWriters(a);
            boolean stickyHolds = (mode & S_ISVTX) != 0 && (below != absolute || stickyForFile)
                    && trusted((Integer) Files.getAttribute(below, "unix:uid", LinkOption.NOFOLLOW_LINKS));
            if (writers.isPresent() && !stickyHolds) {
                return Optional.of(dir + " is writable by " + writers.get());
            }
        }
        return Optional.empty();
    }

    /**
     * Why someone else could change this file, if so: as its owner or through its mode, or by renaming it (above,
     * a sticky directory with a trusted entry doing).
     */
    public static Optional<String> whoElseMayChange(Path file) throws IOException {
        Map<String, Object> a = Files.readAttributes(file, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
        int owner = (Integer) a.get("uid");
        if (!trusted(owner)) return Optional.of(file + " is owned by uid " + owner);
        Optional<String> writers = otherWriters(a);
        if (writers.isPresent()) return Optional.of(file + " is writable by " + writers.get());
        return whoElseMayRename(file, true);
    }

    /**
     * Who besides the owner may write, by the mode: others, or a group other than root's and disk's (whose members
     * may write every disk of the host already). A POSIX ACL's entries show in the group bits, as its mask.
     */
    private static Optional<String> otherWriters(Map<String, Object> a) {
        int mode = (Integer) a.get("mode");
        if ((mode & 0002) != 0) return Optional.of("others");
        int gid = (Integer) a.get("gid");
        if ((mode & 0020) != 0 && gid != 0 && gid != Self.DISK_GID) return Optional.of("group " + gid);
        return Optional.empty();
    }

    private static boolean trusted(int uid) {
        return uid == 0 || uid == Self.UID;
    }

    private static final class Self {
        static final int UID = ownUid();
        static final int DISK_GID = diskGid();

        private static int diskGid() {
            try {
                for (String line : Files.readAllLines(Path.of("/etc/group"))) {
                    String[] f = line.split(":");
                    if (f.length > 2 && f[0].equals("disk")) return Integer.parseInt(f[2]);
                }
            } catch (IOException | NumberFormatException e) {
                // none known
            }
            return 0;
        }

        private static int ownUid() {
            try {
                return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            } catch (IOException | UnsupportedOperationException e) {
                return 0;
            }
        }
    }
}
