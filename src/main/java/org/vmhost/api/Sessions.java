package org.vmhost.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.vmhost.json.JsonBinding;
import org.vmhost.json.JsonCodec;

/**
 * Browser sessions after a login: a random id in an HttpOnly, SameSite=Strict cookie, and a CSRF token that
 * every request but for the GUI's files must repeat in the {@code X-CSRF-Token} header (the cookie alone also
 * reaches other ports of the host). Looked up by the id's hash, so that the map's
 * timing says nothing of live ids. Kept in {@code sessions.json} (0600, beside the tokens; the ids only as
 * hashes) so that an xend restart logs no one out: an open console reconnects by itself.
 */
final class Sessions {
    static final Duration LIFETIME = Duration.ofHours(8);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final System.Logger LOG = System.getLogger(Sessions.class.getName());

    /**
     * A live session.
     *
     * @param passwordStamp the stamp of its user's password at the login ({@link AccountRoles#passwordAtLogin}): a
     *                      change since ends the session. Empty: none (a directory's account, or a session of an xend
     *                      before stamps).
     */
    record Session(Caller caller, String csrfToken, Instant expires, Optional<String> passwordStamp) {
    }

    /** One session as stored: what {@link Session} holds, by the hash of its id ({@code passwordStamp} null for none). */
    record Stored(String user, Role role, String csrfToken, long expiresEpochSecond, String passwordStamp) {
    }

    /** Not a monitor: on JDK 21 to 23 a virtual thread that does file I/O inside one holds its carrier. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Session> byHash = new LinkedHashMap<>();
    private final Optional<Path> file;

    /** Sessions kept in memory only (tests, and a UNIX-socket-only xend has no logins). */
    Sessions() {
        this.file = Optional.empty();
    }

    /** Sessions kept in {@code file}: those still live there are taken back. */
    Sessions(Path file) {
        this.file = Optional.of(file);
        try {
            // leniently: a session file of a newer xend (after a downgrade) keeps its sessions
            Map<String, Stored> stored = JsonBinding.readMap(JsonCodec.parse(Files.readAllBytes(file)), Stored.class,
                    JsonBinding.Strictness.LENIENT);
            Instant now = Instant.now();
            stored.forEach((hash, s) -> {
                Instant expires = Instant.ofEpochSecond(s.expiresEpochSecond());
                if (now.isBefore(expires)) byHash.put(hash, new Session(new Caller(s.user(), s.role(), "session"), s.csrfToken(),
                        expires, Optional.ofNullable(s.passwordStamp())));
            });
        } catch (NoSuchFileException e) {
            // no session yet
        } catch (IOException | RuntimeException e) {
            // a damaged file costs the users a login, not xend its start
            LOG.log(System.Logger.Level.WARNING, "ignoring the login sessions in " + file + ": " + e.getMessage());
        }
    }

    /** Opens a session and gives its id, for the cookie; {@code passwordStamp}: that of the login's password. */
    String open(Caller caller, Optional<String> passwordStamp) {
        lock.lock();
        try {
            Instant now = Instant.now();
            byHash.values().removeIf(s -> now.isAfter(s.expires())); // ended sessions go when new ones come
            String id = random();
            byHash.put(ApiTokens.sha256(id), new Session(new Caller(caller.name(), caller.role(), "session"), random(),
                    now.plus(LIFETIME), passwordStamp));
            save();
            return id;
        } finally {
            lock.unlock();
        }
    }

    Optional<Session> find(String id) {
        lock.lock();
        try {
            if (id == null || id.isEmpty()) return Optional.empty();
            String key = ApiTokens.sha256(id);
            Session s = byHash.get(key);
            if (s == null) return Optional.empty();
            if (Instant.now().isAfter(s.expires())) {
                byHash.remove(key);
                save();
                return Optional.empty();
            }
            return Optional.of(s);
        } finally {
            lock.unlock();
        }
    }

    /** The live sessions, oldest first. */
    List<Session> live() {
        lock.lock();
        try {
            Instant now = Instant.now();
            return byHash.values().stream().filter(s -> !now.isAfter(s.expires())).toList();
        } finally {
            lock.unlock();
        }
    }

    /** Ends every session of {@code user} and gives their keys (the hashes of their ids). */
    List<String> closeAll(String user) {
        lock.lock();
        try {
            List<String> ended = byHash.entrySet().stream().filter(e -> e.getValue().caller().name().equals(user))
                    .map(Map.Entry::getKey).toList();
            ended.forEach(byHash::remove);
            if (!ended.isEmpty()) save();
            return ended;
        } finally {
            lock.unlock();
        }
    }

    void close(String id) {
        lock.lock();
        try {
            if (id != null && byHash.remove(ApiTokens.sha256(id)) != null) save();
        } finally {
            lock.unlock();
        }
    }

    private void save() {
        if (file.isEmpty()) return;
        Map<String, Stored> stored = new LinkedHashMap<>();
        byHash.forEach((hash, s) -> stored.put(hash, new Stored(s.caller().name(), s.caller().role(), s.csrfToken(),
                s.expires().getEpochSecond(), s.passwordStamp().orElse(null))));
        try {
            PrivateFile.write(file.get(), JsonBinding.write(stored));
        } catch (IOException e) {
            // the session still works until xend stops; it just would not survive a restart
            LOG.log(System.Logger.Level.WARNING, "cannot keep the login sessions in " + file.get() + ": " + e.getMessage());
        }
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
