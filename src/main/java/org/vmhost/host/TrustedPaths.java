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
     * xend's user's), or others may write it, unless it is sticky (only an entry's owner may rename it) and the
     * entry below it on the way is trusted.
     */
    public static Optional<String> whoElseMayRename(Path file) throws IOException {
        Path below = file;
        for (Path dir = file.getParent(); dir != null; below = dir, dir = dir.getParent()) {
            Map<String, Object> a = Files.readAttributes(dir, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
            int owner = (Integer) a.get("uid");
            int mode = (Integer) a.get("mode");
            boolean sticky = (mode & S_ISVTX) != 0;
            if (!trusted(owner)) return Optional.of(dir + " is writable by uid " + owner);
            if ((mode & 0022) != 0 && !(sticky && trusted((Integer) Files.getAttribute(below, "unix:uid", LinkOption.NOFOLLOW_LINKS)))) {
                return Optional.of(dir + " is writable by others");
            }
        }
        return Optional.empty();
    }

    /** Why someone else could change this file, if so: as its owner or through its mode, or by renaming (above). */
    public static Optional<String> whoElseMayChange(Path file) throws IOException {
        Map<String, Object> a = Files.readAttributes(file, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        int owner = (Integer) a.get("uid");
        if (!trusted(owner)) return Optional.of(file + " is owned by uid " + owner);
        if (((Integer) a.get("mode") & 0022) != 0) return Optional.of(file + " is writable by others");
        return whoElseMayRename(file);
    }

    private static boolean trusted(int uid) {
        return uid == 0 || uid == Self.UID;
    }

    private static final class Self {
        static final int UID = ownUid();

        private static int ownUid() {
            try {
                return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            } catch (IOException | UnsupportedOperationException e) {
                return 0;
            }
        }
    }
}
