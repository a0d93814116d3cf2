package org.vmhost.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.host.HostCommand;
import org.vmhost.host.TrustedPaths;

/**
 * The unprivileged user QEMU becomes ({@code -runas}) once it has opened what its command line names: a
 * system user of vmhost's own, {@value #NAME}, with no shell, no home and no other use. setup/install.sh
 * makes it; xend makes it at start-up when it is missing, or refuses to start saying why.
 *
 * <p>What QEMU opens after the change (a hot-plugged image, a CD-ROM's new medium, a hot-plugged NIC's tap)
 * must be reachable by this user: {@link #lend} gives a file to it for as long as a domain uses it and
 * {@link #giveBack} returns it to its owner, as libvirt's DAC driver does; taps are made with this user as
 * their owner (the network package does that).
 *
 * @param name the user's name
 * @param uid  its user id
 * @param gid  its primary group id
 */
public record QemuUser(String name, int uid, int gid) {
    /** The name xend uses, and setup/install.sh makes. */
    public static final String NAME = "vmhost-qemu";

    /**
     * The user for this xend's QEMUs: {@value #NAME}, made if missing, where xend is root; empty, with the
     * reason in {@code why}, where it is not (QEMU then runs as xend's own user, which is no more).
     */
    public static Optional<QemuUser> forThisXend(StringBuilder why) {
        if (!isRoot()) {
            why.append("xend is not root: QEMU runs as xend's own user (no -runas), under its seccomp filter");
            return Optional.empty();
        }
        Optional<QemuUser> user = lookUp(NAME);
        if (user.isEmpty()) {
            HostCommand.Result made = HostCommand.of("useradd", "--system", "--user-group", "--no-create-home",
                    "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", "--comment", "vmhost QEMU", NAME).tryRun();
            user = lookUp(NAME);
            if (user.isEmpty()) {
                throw new VmhostException(ErrorCode.HOST_FAILED, "QEMU must not run as root, and the user " + NAME
                        + " it runs as does not exist and cannot be made (useradd: " + made.output().strip()
                        + "); run setup/install.sh, or useradd --system " + NAME);
            }
        }
        if (user.get().uid() == 0) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "the user " + NAME + " has uid 0: QEMU would still be root");
        }
        why.append("QEMU runs as ").append(NAME).append(" (uid ").append(user.get().uid())
                .append(") under its seccomp filter, once it has opened its command line's files");
        return user;
    }

    /** A user by name, from /etc/passwd (getent, so NSS sources count too). */
    static Optional<QemuUser> lookUp(String name) {
        HostCommand.Result r = HostCommand.of("getent", "passwd", name).tryRun();
        if (!r.ok()) return Optional.empty();
        String[] f = r.output().strip().split(":");
        if (f.length < 4) return Optional.empty();
        try {
            return Optional.of(new QemuUser(f[0], Integer.parseInt(f[2]), Integer.parseInt(f[3])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return line.split("\\s+")[2].equals("0");
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /**
     * Who owned a file before it was lent, to give it back, and which file it was (its device and inode; 0 and 0
     * in a record written before they were kept), so that nothing else is given in its place.
     */
    public record Owner(int uid, int gid, long dev, long ino) {}

    private static final int S_IFMT = 0170000, S_IFREG = 0100000, S_IFBLK = 0060000;

    /**
     * Gives a file (an image, a device node) to this user, so that a QEMU that has dropped root can open it,
     * and returns its owner before. Refused, naming why and changing nothing: a file in a directory that anyone but
     * root may write (its writer could put another file, or a link to one, under the same name while it is lent, and
     * have root give that away or back), anything but a regular file or a block device, and a file behind a
     * directory this user cannot search. The owner is changed without following a link; then this user must be able
     * to open the file, or it is given back.
     *
     * @param file     the file's real path (no symbolic link on the way)
     * @param writable whether QEMU must write it
     */
    public Owner lend(Path file, boolean writable) {
        Map<String, Object> a = lendable(file);
        Owner before = new Owner((Integer) a.get("uid"), (Integer) a.get("gid"), (Long) a.get("dev"), (Long) a.get("ino"));
        try {
            chownNoFollow(file, uid, gid);
        } catch (IOException e) {
            throw cannotGive(file, e);
        }
        if (!asThisUser("test", writable ? "-w" : "-r", file.toString()).ok()) {
            giveBack(file, before);
            throw unreachable(file);
        }
        return before;
    }

    /**
     * Refuses, as {@link #lend} would and changing nothing, a file that cannot be lent, including one behind a
     * directory this user cannot search (which {@link #lend} finds only once the file is its own).
     */
    public void requireLendable(Path file) {
        lendable(file);
        if (unreachableDirectory(file).isPresent()) throw unreachable(file);
    }

    /** A file this user cannot open, naming the first directory on its way that it cannot search. */
    private VmhostException unreachable(Path file) {
        return new VmhostException(ErrorCode.HOST_FAILED, "QEMU runs as " + name + ", which cannot reach " + file
                + unreachableDirectory(file).map(d -> ": it cannot search the directory " + d
                        + " (let it, e.g. setfacl -m u:" + name + ":x " + d + ", or keep images where it can)").orElse(""));
    }

    /**
     * The file's owner, device, inode and mode, once it is known that it may be lent: only root may rename it (a
     * sticky directory does not do: the file, once this user's, could be renamed by it), and it is a regular file or
     * a block device. Stat calls only: whether this user can reach it costs a process per directory, asked once.
     */
    private Map<String, Object> lendable(Path file) {
        try {
            Optional<String> who = TrustedPaths.whoElseMayRename(file, false);
            if (who.isPresent()) {
                throw new VmhostException(ErrorCode.BAD_REQUEST, "cannot give " + file + " to QEMU's user " + NAME + ": "
                        + who.get() + ", who could put another file in its place while QEMU has it; keep hot-plugged "
                        + "images and media in a directory only root may write, such as an image pool");
            }
            Map<String, Object> a = Files.readAttributes(file, "unix:uid,gid,dev,ino,mode", LinkOption.NOFOLLOW_LINKS);
            int type = (Integer) a.get("mode") & S_IFMT;
            if (type != S_IFREG && type != S_IFBLK) {
                throw new VmhostException(ErrorCode.BAD_REQUEST, "cannot give " + file + " to " + name
                        + ": it is neither a regular file nor a block device");
            }
            return a;
        } catch (IOException e) {
            throw cannotGive(file, e);
        }
    }

    private VmhostException cannotGive(Path file, IOException e) {
        return new VmhostException(ErrorCode.HOST_FAILED, "cannot give " + file + " to " + name + ", as which QEMU runs: "
                + e.getMessage(), e);
    }

    /**
     * Gives a lent file back to its owner: only the file that was lent (same device and inode), still this user's,
     * and never through a link; a file that is gone is fine, anything else is left as it is and logged.
     */
    public void giveBack(Path file, Owner owner) {
        System.Logger log = System.getLogger(QemuUser.class.getName());
        try {
            Map<String, Object> a = Files.readAttributes(file, "unix:uid,dev,ino,mode", LinkOption.NOFOLLOW_LINKS);
            boolean same = owner.ino() == 0 || ((Long) a.get("dev") == owner.dev() && (Long) a.get("ino") == owner.ino());
            int type = (Integer) a.get("mode") & S_IFMT;
            if (!same || (type != S_IFREG && type != S_IFBLK) || (Integer) a.get("uid") != uid) {
                log.log(System.Logger.Level.WARNING, "not giving " + file + " back to uid " + owner.uid() + ": it is no longer "
                        + "the file lent to " + name + " (another file, a link, or no longer its)");
                return;
            }
            chownNoFollow(file, owner.uid(), owner.gid());
        } catch (java.nio.file.NoSuchFileException e) {
            // gone: nothing to give back
        } catch (IOException e) {
            log.log(System.Logger.Level.WARNING, "cannot give " + file + " back to uid " + owner.uid() + ": " + e.getMessage());
        }
    }

    private static void chownNoFollow(Path file, int uid, int gid) throws IOException {
        Files.setAttribute(file, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(file, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Lets this user search (not list) a directory of xend's own, such as its home, so that images in its
     * pools can be hot-plugged; a POSIX ACL entry, so that nobody else gains anything.
     */
    public void allowSearch(Path dir) {
        if (asThisUser("test", "-x", dir.toString()).ok()) return;
        HostCommand.Result r = HostCommand.of("setfacl", "-m", "u:" + uid + ":x", "--", dir.toString()).tryRun();
        if (!r.ok()) System.getLogger(QemuUser.class.getName()).log(System.Logger.Level.WARNING,
                "cannot let " + name + " search " + dir + " (hot-plugging images under it will be refused): " + r.output().strip());
    }

    /**
     * Lets this user open /dev/net/tun (Debian's udev makes it 0666; hosts without udev leave it 0600), so that
     * a QEMU that has dropped root can open a hot-plugged NIC's tap. Opening it gives nothing by itself: without
     * CAP_NET_ADMIN a process can attach only to a tap that it owns, and xend gives taps to this user one by one.
     */
    public void allowTaps() {
        Path tun = Path.of("/dev/net/tun");
        if (!Files.exists(tun) || asThisUser("test", "-r", tun.toString(), "-a", "-w", tun.toString()).ok()) return;
        HostCommand.Result r = HostCommand.of("setfacl", "-m", "u:" + uid + ":rw", "--", tun.toString()).tryRun();
        if (!r.ok()) System.getLogger(QemuUser.class.getName()).log(System.Logger.Level.WARNING,
                "cannot let " + name + " open " + tun + " (hot-plugged NICs will be refused): " + r.output().strip());
    }

    /** The first directory on the way to a file that this user cannot search. */
    private Optional<Path> unreachableDirectory(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        Optional<Path> first = Optional.empty();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (!asThisUser("test", "-x", p.toString()).ok()) first = Optional.of(p);
        }
        return first;
    }

    private HostCommand.Result asThisUser(String... command) {
        String[] argv = new String[command.length + 5];
        argv[0] = "setpriv";
        argv[1] = "--reuid=" + uid;
        argv[2] = "--regid=" + gid;
        argv[3] = "--clear-groups";
        argv[4] = "--";
        System.arraycopy(command, 0, argv, 5, command.length);
        return HostCommand.of(argv).tryRun();
    }
}
