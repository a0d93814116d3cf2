package org.vmhost.domain;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where one xend instance keeps everything: one root, {@code /var/lib/vmhost} unless {@code VMHOST_HOME}
 * moves it, so tests and users can run instances side by side. xm finds its xend through the same root.
 *
 * <p>UNIX socket paths are limited to 107 bytes, so per-domain sockets use short names under {@code run/}.
 *
 * <p>Everything under the root is its owner's alone (directories 0700, files 0600): consoles, disks, logs and
 * the database carry what guests print and store, and configurations may hold passwords. xend runs with umask
 * 077 and also creates what it makes with these modes explicitly; {@link #createPrivately} tightens what an
 * older xend or a wider umask left open to others.
 */
public record XendHome(Path root) {
    public static final Path DEFAULT_ROOT = Path.of("/var/lib/vmhost");
    public static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    /** Taken from shared directories: listing and changing; a search (x) bit may be QEMU's way through. */
    private static final Set<PosixFilePermission> LIST_OR_CHANGE = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
    /** Taken from images: all of others', and group write; a group read bit may be an ACL's mask. */
    private static final Set<PosixFilePermission> IMAGE_ACCESS = EnumSet.of(PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    public XendHome {
        root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    }

    /** The root named by {@code VMHOST_HOME} in the given environment, or the default. */
    public static XendHome fromEnvironment(Map<String, String> env) {
        String home = env.get("VMHOST_HOME");
        return new XendHome(home == null || home.isBlank() ? DEFAULT_ROOT : Path.of(home));
    }

    /** xend's own settings (see {@code daemon.XendSettings}); optional. */
    public Path settingsFile() {
        return root.resolve("xend.conf");
    }

    public Path database() {
        return root.resolve("xend.db");
    }

    public Path runDir() {
        return root.resolve("run");
    }

    /** The API's UNIX socket, trusted because only its owner may open it. */
    public Path apiSocket() {
        return runDir().resolve("xend.sock");
    }

    public Path pidFile() {
        return runDir().resolve("xend.pid");
    }

    public Path tokenFile() {
        return root.resolve("api.token");
    }

    public Path logDir() {
        return root.resolve("log");
    }

    public Path xendLog() {
        return logDir().resolve("xend.log");
    }

    public Path imagesDir() {
        return root.resolve("images");
    }

    /** Configs of domains started with xend, as /etc/xen/auto was. */
    public Path autoDir() {
        return root.resolve("auto");
    }

    /** The directory of one running domain's sockets. */
    public Path domainRunDir(String uuid) {
        return runDir().resolve(uuid);
    }

    /** Where QEMU keeps a domain's serial console history; kept after the domain stops and across renames. */
    public Path consoleLog(String uuid) {
        return logDir().resolve("console").resolve(uuid + ".log");
    }

    /** What a domain's QEMU printed on stderr (its own errors), kept after the domain stops. */
    public Path qemuLog(String uuid) {
        return logDir().resolve("qemu").resolve(uuid + ".log");
    }

    /** xend's stdout and stderr, when {@code xend start} runs it in the background. */
    public Path xendOut() {
        return logDir().resolve("xend.out");
    }

    /**
     * Makes the root and xend's directories owner-only (creating what is missing with mode 0700), and takes
     * away what others may do to what an older xend or a wider umask left open. The database and its journal
     * files, the log directories, logs and console logs lose all group and others access (QEMU opens its logs
     * as root). The root, {@code run/} and {@code images/} lose group and others read and write, and images
     * others access and group write: a search bit on a directory, or a group read bit on an image, may be the
     * mask of an ACL by which QEMU's own unprivileged user reaches a domain's files, so those stay.
     */
    public void createPrivately() throws IOException {
        for (Path dir : List.of(root, runDir(), logDir(), logDir().resolve("console"), logDir().resolve("qemu"), imagesDir()))
            createPrivateDir(dir);
        for (String name : List.of("xend.db", "xend.db-wal", "xend.db-shm", "accelerator.cache", "networks.json"))
            restrict(root.resolve(name), GROUP_OR_OTHERS);
        for (Path dir : List.of(logDir(), logDir().resolve("console"), logDir().resolve("qemu"))) restrict(dir, GROUP_OR_OTHERS);
        restrictEach(logDir(), GROUP_OR_OTHERS);
        restrictEach(logDir().resolve("console"), GROUP_OR_OTHERS);
        restrictEach(logDir().resolve("qemu"), GROUP_OR_OTHERS);
        restrictEach(imagesDir(), IMAGE_ACCESS);
    }

    /**
     * Creates {@code dir} and any missing parent below the root with mode 0700 (whatever the umask), or
     * takes group and others read and write away from one that exists.
     */
    public void createPrivateDir(Path dir) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
            restrict(d, LIST_OR_CHANGE);
            return;
        }
        Path parent = d.getParent();
        if (parent != null && !d.equals(root) && d.startsWith(root)) createPrivateDir(parent);
        else if (parent != null) Files.createDirectories(parent);
        try {
            Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // made meanwhile by another thread
        }
        Files.setPosixFilePermissions(d, PRIVATE_DIR);
    }

    private static void restrictEach(Path dir, Set<PosixFilePermission> taken) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) restrict(f, taken);
        }
    }

    /** Removes the permissions in {@code taken} from a file or directory that has any of them; never follows a link. */
    private static void restrict(Path p, Set<PosixFilePermission> taken) throws IOException {
        Set<PosixFilePermission> mode;
        try {
            mode = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return;
        }
        if (Files.isSymbolicLink(p) || mode.stream().noneMatch(taken::contains)) return;
        Set<PosixFilePermission> kept = EnumSet.noneOf(PosixFilePermission.class);
        kept.addAll(mode);
        kept.removeAll(taken);
        Files.setPosixFilePermissions(p, kept);
    }
}
