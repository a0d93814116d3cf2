package org.vmhost.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.host.HostCommand;

/**
 * The role a host account has now, as a login would give it ({@link PamLogin}): an administrator if it is root or a
 * member of {@code unix_sock_group}, else a viewer; none if the account is not found, locked or expired. A login
 * session takes its role from here at each request, so that a user who leaves the group, or whose account is
 * removed or locked, loses what the session allowed within {@link #CACHE}, not at the end of its 8 hours.
 *
 * <p>Read with {@code getent} and {@code id} (NSS, as the login's own lookup), in processes with a time limit: a
 * directory service that hangs holds up no request thread for long, and one user's requests wait for one lookup,
 * not one each. When the accounts cannot be read, a session keeps the role last read for it (or, before any, the
 * one it logged in with), so a directory's outage does not lock every administrator out, nor give back what a user
 * had lost.
 *
 * <p>It also tells a password changed since a session's login ({@code passwd}, {@code chpasswd}): the shadow entry's
 * password field, kept only as a SHA-256 stamp (the field is the password's hash), is compared with the stamp taken
 * at the login. An account with no local shadow entry (a directory's) has no stamp; its password changes are not
 * seen here.
 */
final class AccountRoles {
    static final Duration CACHE = Duration.ofSeconds(5);
    private static final Duration LIMIT = Duration.ofSeconds(5);
    /** getent's exit status for a key it does not know. */
    private static final int NOT_FOUND = 2;

    /** Runs a lookup command: {@link HostCommand} with a time limit, or a stand-in in tests. */
    interface Lookup {
        HostCommand.Result run(String... argv);
    }

    /** One reading of an account: its role (empty: refused) and its password's stamp (empty: none to read). */
    private record Read(Optional<Role> role, Optional<String> passwordStamp, Instant at) {
    }

    private record Standing(Optional<Role> role, Optional<String> passwordStamp) {
    }

    private final Optional<String> adminGroup;
    private final Lookup lookup;
    private final Clock clock;
    private final Map<String, Read> read = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> reading = new ConcurrentHashMap<>();

    AccountRoles(Optional<String> adminGroup) {
        this(adminGroup, argv -> HostCommand.of(argv).timeout(LIMIT).tryRun(), Clock.systemUTC());
    }

    AccountRoles(Optional<String> adminGroup, Lookup lookup, Clock clock) {
        this.adminGroup = adminGroup;
        this.lookup = lookup;
        this.clock = clock;
    }

    /**
     * {@code user}'s role now, or empty if the account is not found, locked or expired. When that cannot be told:
     * the role last read, or {@code had}.
     */
    Optional<Role> now(String user, Role had) {
        return current(user, had).role();
    }

    /**
     * A stamp of {@code user}'s password as it is now, for the session a login opens: read now, before the password
     * is checked, so that a change made during the check ends the session rather than passing. Empty when there is
     * none to read: no such account, or no local shadow entry (a directory's account). Not kept: the name may be
     * anyone's; what was kept for the user is read again at its next use, so that a change just before this login is
     * not taken for one after it.
     *
     * @throws VmhostException when the accounts cannot be read: the login fails, rather than open a session that a
     *                         password change could not end
     */
    Optional<String> passwordAtLogin(String user) {
        read.computeIfPresent(user, (u, r) -> new Read(r.role(), r.passwordStamp(), Instant.EPOCH));
        try {
            return stampNow(user);
        } catch (VmhostException e) {
            System.getLogger(AccountRoles.class.getName()).log(System.Logger.Level.WARNING,
                    printable("cannot read the shadow entry of '" + user + "' for a login: " + e.getMessage()));
            throw new VmhostException(ErrorCode.HOST_FAILED, "this host's accounts cannot be read now (xend's log says why); "
                    + "try the login again");
        }
    }

    /**
     * Whether {@code user}'s password has changed since the login that took {@code atLogin} (as read within
     * {@link #CACHE}), confirmed by a read of its own: a lookup that began before a change and ended after a login
     * with the new password must not end that login's session. A session with no stamp ({@code atLogin} empty: one
     * of an xend before stamps) counts as changed once the account has a local shadow entry. False when the account
     * has none, or the accounts cannot be read and never were.
     */
    boolean passwordChanged(String user, Role had, Optional<String> atLogin) {
        if (!differs(atLogin, current(user, had).passwordStamp())) return false;
        try {
            Optional<String> confirmed = stampNow(user);
            read.computeIfPresent(user, (u, r) -> new Read(r.role(), confirmed, r.at()));
            return differs(atLogin, confirmed);
        } catch (VmhostException e) {
            return true; // as last read
        }
    }

    private static boolean differs(Optional<String> atLogin, Optional<String> now) {
        return now.isPresent() && !now.equals(atLogin);
    }

    private Optional<String> stampNow(String user) {
        return shadowOf(user).map(AccountRoles::stamp);
    }

    /** The stamp of a shadow entry's password field: its SHA-256, never the field (a hash). */
    private static String stamp(String[] shadowEntry) {
        return ApiTokens.sha256(shadowEntry[1]);
    }

    /** A text for the log: what a user typed may be in it. */
    private static String printable(String text) {
        return text.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private Read current(String user, Role had) {
        Read last = read.get(user);
        if (fresh(last)) return last;
        ReentrantLock lock = reading.computeIfAbsent(user, u -> new ReentrantLock());
        lock.lock();
        try {
            last = read.get(user);
            if (fresh(last)) return last; // read by the request this one waited for
            // Timed from its start: a read that began before a change is never taken for one after it.
            Instant started = clock.instant();
            Read now;
            try {
                Standing standing = lookUp(user);
                now = new Read(standing.role(), standing.passwordStamp(), started);
            } catch (VmhostException e) {
                now = last != null ? new Read(last.role(), last.passwordStamp(), started)
                        : new Read(Optional.of(had), Optional.empty(), started);
                System.getLogger(AccountRoles.class.getName()).log(System.Logger.Level.WARNING, printable("cannot tell the role of '"
                        + user + "' now, keeping " + now.role().map(r -> r.name().toLowerCase(java.util.Locale.ROOT)).orElse("it refused")
                        + " for " + CACHE.toSeconds() + " s: " + e.getMessage()));
            }
            read.put(user, now);
            return now;
        } finally {
            lock.unlock();
        }
    }

    private boolean fresh(Read r) {
        return r != null && clock.instant().isBefore(r.at().plus(CACHE));
    }

    private Standing lookUp(String user) {
        HostCommand.Result entry = lookup.run("getent", "passwd", "--", user);
        if (entry.exit() == NOT_FOUND) return new Standing(Optional.empty(), Optional.empty());
        String[] fields = entryOf(user, entry, "passwd");
        if (fields.length < 3) throw new VmhostException(ErrorCode.HOST_FAILED, "getent passwd gave no account entry for '" + user + "'");
        Optional<String[]> shadow = shadowOf(user);
        Optional<String> stamp = shadow.map(AccountRoles::stamp);
        if (shadow.isPresent() && lockedOrExpired(user, shadow.get())) return new Standing(Optional.empty(), stamp);
        if (fields[2].equals("0")) return new Standing(Optional.of(Role.ADMIN), stamp);
        if (adminGroup.isEmpty()) return new Standing(Optional.of(Role.VIEWER), stamp);
        HostCommand.Result groups = lookup.run("id", "-Gn", "--", user);
        if (!groups.ok()) throw new VmhostException(ErrorCode.HOST_FAILED, "'id -Gn " + user + "' failed: " + groups.output().strip());
        List<String> lines = groups.output().strip().lines().toList();
        List<String> names = lines.isEmpty() ? List.of() : List.of(lines.get(lines.size() - 1).strip().split("\\s+"));
        return new Standing(Optional.of(names.contains(adminGroup.get()) ? Role.ADMIN : Role.VIEWER), stamp);
    }

    /**
     * The fields of the account's local shadow entry, or empty if it has none (a directory's account, left to PAM's
     * next login). The entry holds the password's hash: no message quotes it.
     */
    private Optional<String[]> shadowOf(String user) {
        HostCommand.Result shadow = lookup.run("getent", "shadow", "--", user);
        if (shadow.exit() == NOT_FOUND) return Optional.empty();
        String[] f = entryOf(user, shadow, "shadow");
        if (f.length < 8) throw new VmhostException(ErrorCode.HOST_FAILED, "getent shadow gave no readable entry for '" + user + "'");
        return Optional.of(f);
    }

    /**
     * Whether the shadow entry is locked ({@code passwd -l}, {@code usermod -L}: a password starting with '!') or
     * past its expiry date ({@code usermod -e}), as pam_unix would find at a login.
     */
    private boolean lockedOrExpired(String user, String[] f) {
        if (f[1].startsWith("!")) return true;
        try {
            return !f[7].isEmpty() && Long.parseLong(f[7]) <= LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).toEpochDay();
        } catch (NumberFormatException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "the shadow entry of '" + user + "' has no readable expiry date");
        }
    }

    /** The fields of {@code user}'s line in getent's output (a warning an NSS module printed may stand beside it). */
    private static String[] entryOf(String user, HostCommand.Result r, String database) {
        if (!r.ok()) throw new VmhostException(ErrorCode.HOST_FAILED, "getent " + database + " failed with exit status " + r.exit());
        return r.output().lines().filter(l -> l.startsWith(user + ":")).findFirst().map(l -> l.split(":", -1))
                .orElse(new String[0]);
    }
}
