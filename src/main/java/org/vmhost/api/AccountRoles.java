package org.vmhost.api;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.host.HostCommand;

/**
 * The role a host account has now, as a login would give it ({@link PamLogin}): an administrator if it is root or a
 * member of {@code unix_sock_group}, else a viewer; none if the account is gone, locked or expired. A login session
 * takes its role from here at each request, so that a user who leaves the group, or whose account is removed or
 * locked, loses what the session allowed within {@link #CACHE}, not at the end of its 8 hours.
 *
 * <p>Read with {@code getent} and {@code id} (NSS, as the login's own lookup), in a process with a time limit: a directory service
 * that hangs holds up no request thread for long. When it cannot be read the session keeps the role it had, so a
 * directory's outage does not log every administrator out.
 */
final class AccountRoles {
    static final Duration CACHE = Duration.ofSeconds(5);
    private static final Duration LIMIT = Duration.ofSeconds(5);
    /** getent's exit status for a key it does not know. */
    private static final int NOT_FOUND = 2;

    private record Read(Optional<Role> role, Instant at) {
    }

    private final Optional<String> adminGroup;
    private final Map<String, Read> read = new ConcurrentHashMap<>();

    AccountRoles(Optional<String> adminGroup) {
        this.adminGroup = adminGroup;
    }

    /** {@code user}'s role now, or empty if the account is gone, locked or expired; {@code had} when that cannot be told. */
    Optional<Role> now(String user, Role had) {
        Instant now = Instant.now();
        Read last = read.get(user);
        if (last != null && now.isBefore(last.at().plus(CACHE))) return last.role();
        Optional<Role> role;
        try {
            role = lookUp(user);
        } catch (VmhostException e) {
            System.getLogger(AccountRoles.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot tell the role of '" + user + "' now, keeping its session's: " + e.getMessage());
            return Optional.of(had);
        }
        read.put(user, new Read(role, now));
        return role;
    }

    private Optional<Role> lookUp(String user) {
        HostCommand.Result entry = HostCommand.of("getent", "passwd", "--", user).timeout(LIMIT).tryRun();
        if (entry.exit() == NOT_FOUND) return Optional.empty();
        String[] fields = entry.orThrow().strip().split(":", -1);
        if (fields.length < 3)
            throw new VmhostException(ErrorCode.HOST_FAILED, "getent passwd answered no account entry for '" + user + "'");
        if (lockedOrExpired(user)) return Optional.empty();
        if (fields[2].equals("0")) return Optional.of(Role.ADMIN);
        if (adminGroup.isEmpty()) return Optional.of(Role.VIEWER);
        List<String> groups = List.of(HostCommand.of("id", "-Gn", "--", user).timeout(LIMIT).run().strip().split("\\s+"));
        return Optional.of(groups.contains(adminGroup.get()) ? Role.ADMIN : Role.VIEWER);
    }

    /**
     * Whether the account's shadow entry is locked ({@code passwd -l}, {@code usermod -L}: a password starting with
     * '!') or past its expiry date ({@code usermod -e}), as pam_unix would find at a login. An account with no local
     * shadow entry (a directory's) is left to PAM's next login.
     */
    private static boolean lockedOrExpired(String user) {
        HostCommand.Result shadow = HostCommand.of("getent", "shadow", "--", user).timeout(LIMIT).tryRun();
        if (shadow.exit() == NOT_FOUND) return false;
        String[] f = shadow.orThrow().strip().split(":", -1);
        if (f.length > 1 && f[1].startsWith("!")) return true;
        try {
            return f.length > 7 && !f[7].isEmpty() && Long.parseLong(f[7]) <= LocalDate.now(ZoneOffset.UTC).toEpochDay();
        } catch (NumberFormatException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "the shadow entry of '" + user + "' has no readable expiry date");
        }
    }
}
