package org.vmhost.api;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jvnet.libpam.PAM;
import org.jvnet.libpam.PAMException;
import org.jvnet.libpam.UnixUser;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * Logging in with the host's own accounts, through PAM, as Cockpit does and xend's Xen-API server did. The PAM
 * service ({@code /etc/pam.d/vmhost}, installed by setup/install.sh) decides how a password is checked; xend
 * decides the role: root and members of the socket group are administrators, everyone else a viewer.
 *
 * <p>One login at a time, on a platform thread of its own: PAM modules are not all safe to run concurrently, and a
 * password guesser gains nothing from many connections (pam_unix also waits after each failure). The requests
 * themselves run on virtual threads, and one blocked in PAM's native code, or waiting to enter a monitor on JDK 21
 * to 23, holds its carrier: a handful of failing logins would stall every other request, the UNIX socket's
 * included. So a request only waits for its turn, and beyond {@link #WAITING} waiting logins is refused.
 */
final class PamLogin {
    /** How many logins may wait for their turn; more are refused until some are done. */
    static final int WAITING = 8;
    /** How long a request waits for its login, turn included. */
    static final Duration LIMIT = Duration.ofSeconds(60);
    /**
     * How many logins one address (an IPv6 /64) may have waiting or being checked: a password guesser there cannot
     * take every place in the queue. On loopback, each local user has these places of their own (the uid that holds
     * the client's socket, {@link LoopbackUsers}); a loopback client whose user cannot be told shares one address's
     * places with the others. xm on the UNIX socket needs no login.
     */
    static final int PER_ADDRESS = 3;
    private static final String LOOPBACK = "loopback";
    private static final String LOOPBACK_USER = "loopback uid ";

    /** The password check: PAM's, or a stand-in in tests. */
    interface Check {
        Caller authenticate(String user, String password);
    }

    /**
     * A login that passed: who, and the stamp of the password it passed with ({@link AccountRoles#passwordAtLogin};
     * empty: none, a directory's account), taken just before the check, so that a password changed during the check
     * ends the session.
     */
    record Login(Caller caller, Optional<String> passwordStamp) {
    }

    /** The longest user name a login takes: more than any account's, less than a command line's room. */
    static final int USER_NAME_MAX = 256;

    private final Check check;
    private final Function<String, Optional<String>> stamps;
    private final ThreadPoolExecutor thread;
    private final Map<String, Integer> fromAddress = new HashMap<>(); // guarded by itself

    /** @param roles where a login's password stamp is read */
    PamLogin(String service, Optional<String> adminGroup, AccountRoles roles) {
        this(pam(Objects.requireNonNull(service), Objects.requireNonNull(adminGroup)), roles::passwordAtLogin);
    }

    /** A login of no password stamps (tests of the queue). */
    PamLogin(Check check) {
        this(check, user -> Optional.empty());
    }

    /** @param stamps a user's password stamp now ({@link AccountRoles#passwordAtLogin}) */
    PamLogin(Check check, Function<String, Optional<String>> stamps) {
        this.check = Objects.requireNonNull(check);
        this.stamps = Objects.requireNonNull(stamps);
        // One platform thread, gone when idle so that no server leaves it behind.
        this.thread = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(WAITING),
                Thread.ofPlatform().name("pam-login").daemon().factory());
        this.thread.allowCoreThreadTimeOut(true);
    }

    /** Where a login over loopback comes from when the user holding its socket is known: {@code uid}'s own places. */
    static String loopbackUser(int uid) {
        return LOOPBACK_USER + uid;
    }

    /**
     * @param from the client's address, as the connection gives it ({@code local} on the UNIX socket), or
     *             {@link #loopbackUser} on loopback
     */
    Login authenticate(String user, String password, String from) {
        if (user == null || user.isEmpty() || password == null)
            throw new VmhostException(ErrorCode.BAD_REQUEST, "a login needs 'user' and 'password'");
        if (user.length() > USER_NAME_MAX || !user.chars().allMatch(c -> c >= 0x20 && c != 0x7f))
            throw new VmhostException(ErrorCode.BAD_REQUEST, "a login's 'user' is an account name: at most " + USER_NAME_MAX
                    + " characters, no control characters");
        String source = source(from);
        synchronized (fromAddress) {
            int logins = fromAddress.getOrDefault(source, 0);
            if (logins >= PER_ADDRESS)
                throw new VmhostException(ErrorCode.RESOURCE_BUSY, "too many logins from " + describe(source, from)
                        + " at once; try again in a few seconds");
            fromAddress.put(source, logins + 1);
        }
        Future<Login> turn;
        try {
            // The place is given back when the check ends, not when the request stops waiting: a check stuck in PAM
            // still holds it. The stamp is read in the turn too, so that no one can have more lookups at once than
            // logins.
            turn = thread.submit(() -> {
                try {
                    Optional<String> stamp = stamps.apply(user);
                    Caller caller = check.authenticate(user, password);
                    // PAM may name the account otherwise (a module that maps names): the session is that account's,
                    // and so is the stamp, read after the check only in this case.
                    return new Login(caller, caller.name().equals(user) ? stamp : stamps.apply(caller.name()));
                } finally {
                    release(source);
                }
            });
        } catch (RejectedExecutionException e) {
            release(source);
            throw new VmhostException(ErrorCode.RESOURCE_BUSY, "too many logins at once; try again in a few seconds");
        }
        return await(turn, source);
    }

    private void release(String source) {
        synchronized (fromAddress) {
            fromAddress.computeIfPresent(source, (k, n) -> n > 1 ? n - 1 : null);
        }
    }

    /**
     * Where a login comes from, as counted: the address; an IPv6 address's /64 (one host's usual share); any
     * loopback address as one (a local user may bind any of 127.0.0.0/8).
     */
    static String source(String from) {
        InetAddress address = LoopbackUsers.literal(from);
        if (address == null) return from; // "local" (the UNIX socket), or a loopback user's
        if (address.isLoopbackAddress()) return LOOPBACK;
        byte[] a = address.getAddress();
        return a.length == 16 ? HexFormat.of().formatHex(a, 0, 8) + "::/64" : address.getHostAddress();
    }

    private static String describe(String source, String from) {
        if (source.startsWith(LOOPBACK_USER)) return "this host (loopback, uid " + source.substring(LOOPBACK_USER.length()) + ")";
        return source.equals(LOOPBACK) ? "this host (loopback)" : from;
    }

    private Login await(Future<Login> turn, String source) {
        try {
            return turn.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            giveUp(turn, source);
            System.getLogger(PamLogin.class.getName()).log(System.Logger.Level.WARNING,
                    "a login took more than " + LIMIT.toSeconds() + " s (PAM waiting on a directory service?)");
            throw new VmhostException(ErrorCode.TIMEOUT, "the login took too long; try again");
        } catch (InterruptedException e) {
            giveUp(turn, source);
            Thread.currentThread().interrupt();
            throw new VmhostException(ErrorCode.INTERNAL, "login interrupted");
        }
    }

    /**
     * A login no one waits for any more: out of the queue, so that it holds no place there. One already being checked
     * runs to its end and gives its place back then (cancelled between the queue and its start, it never would).
     */
    private void giveUp(Future<Login> turn, String source) {
        if (thread.remove((Runnable) turn)) release(source);
    }

    /** How many logins wait for their turn now. */
    int waiting() {
        return thread.getQueue().size();
    }

    private static Check pam(String service, Optional<String> adminGroup) {
        return (user, password) -> {
            PAM pam = null;
            try {
                pam = new PAM(service);
                UnixUser u = pam.authenticate(user, password);
                boolean admin = u.getUID() == 0 || adminGroup.map(g -> u.getGroups().contains(g)).orElse(false);
                return new Caller(u.getUserName(), admin ? Role.ADMIN : Role.VIEWER, "session");
            } catch (PAMException e) {
                // PAM's reason (no such user, wrong password, expired) stays in xend's log, never in the answer
                System.getLogger(PamLogin.class.getName()).log(System.Logger.Level.INFO,
                        "login of '" + user.replaceAll("[^\\x21-\\x7e]", "?") + "' refused: " + e.getMessage());
                throw new VmhostException(ErrorCode.UNAUTHENTICATED, "login failed: wrong user name or password");
            } finally {
                if (pam != null) pam.dispose();
            }
        };
    }
}
