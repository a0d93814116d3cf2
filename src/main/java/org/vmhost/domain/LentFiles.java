package org.vmhost.domain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.vmhost.json.JsonBinding;
import org.vmhost.json.JsonCodec;
import org.vmhost.qemu.QemuUser;

/**
 * Files given to QEMU's unprivileged user while running domains use them: what a QEMU opens after it has
 * dropped root (a hot-plugged image, a CD-ROM's new medium). A file is lent once, whoever else also uses it,
 * and given back to its owner when the last domain that uses it lets it go (detach, eject, teardown, or a
 * domain found gone at start-up). Kept in {@code run/lent-files.json}, so that a restarted xend still gives
 * them back.
 *
 * <p>Used inside domains' jobs; the map is shared between domains, so its methods are synchronized.
 */
final class LentFiles {
    private static final Logger LOG = Logger.getLogger(LentFiles.class.getName());

    /** One lent file: its owner before, which file it was (0 and 0 in an older record), and the domains (UUIDs) that use it. */
    record Entry(int uid, int gid, long dev, long ino, Set<String> domains) {}

    private final Optional<QemuUser> user;
    private final Path file;
    private final Map<String, Entry> lent = new LinkedHashMap<>();

    LentFiles(Optional<QemuUser> user, Path file) {
        this.user = user;
        this.file = file;
        if (Files.exists(file)) {
            try {
                lent.putAll(JsonBinding.readMap(JsonCodec.parse(Files.readAllBytes(file)), Entry.class,
                        JsonBinding.Strictness.LENIENT));
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot read " + file + "; files lent to QEMU before are not given back", e);
            }
        }
    }

    /** Lends a file to QEMU's user for a domain; nothing where QEMU keeps xend's own user. */
    synchronized void lend(String uuid, String path, boolean writable) {
        if (user.isEmpty()) return;
        String key = real(path);
        Entry e = lent.get(key);
        if (e == null) {
            QemuUser.Owner owner = user.get().lend(Path.of(key), writable);
            e = new Entry(owner.uid(), owner.gid(), owner.dev(), owner.ino(), new LinkedHashSet<>());
            lent.put(key, e);
        }
        e.domains().add(uuid);
        save();
    }

    /** Refuses, changing nothing, a file that {@link #lend} would refuse. */
    void requireLendable(String path) {
        user.ifPresent(u -> u.requireLendable(Path.of(real(path))));
    }

    /** A domain no longer uses a file; the last one gives it back. */
    synchronized void release(String uuid, String path) {
        String key = real(path);
        Entry e = lent.get(key);
        if (e == null || !e.domains().remove(uuid)) return;
        if (e.domains().isEmpty()) {
            lent.remove(key);
            user.ifPresent(u -> u.giveBack(Path.of(key), new QemuUser.Owner(e.uid(), e.gid(), e.dev(), e.ino())));
        }
        save();
    }

    /** A domain has stopped: every file it used is released. */
    synchronized void releaseAll(String uuid) {
        for (String key : List.copyOf(lent.keySet())) release(uuid, key);
    }

    private static String real(String path) {
        try {
            return Path.of(path).toRealPath().toString();
        } catch (IOException e) {
            return Path.of(path).toAbsolutePath().normalize().toString();
        }
    }

    private void save() {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, JsonBinding.write(lent));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot write " + file, e);
        }
    }
}
