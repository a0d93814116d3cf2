package org.vmhost.api;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.vmhost.host.HostCommand;

/**
 * Which user of this host holds the other end of a TCP connection over loopback: the uid the kernel lists for the
 * client's socket in {@code /proc/net/tcp} and {@code tcp6}, as identd answered, for this host's own connections
 * only. The login queue counts places by it ({@link PamLogin}), so that one local user's logins cannot take the
 * places of another's, an administrator's browser on this host or an SSH tunnel's included.
 *
 * <p>Only a socket a process still holds counts (a non-zero inode): one closed already, or in TIME_WAIT, is listed
 * as root's. Only a uid with an account counts: a user's namespace ({@code unshare -U}) shows its mapped ids, of no
 * account, as uids of their own. At most {@link #READERS} clients are told apart at once, the others waiting their
 * turn in order (a flood of logins delays the administrator's by a few milliseconds each, rather than making it one
 * of them). Whoever is not told apart shares one set of places with the others, as every loopback client did before.
 */
final class LoopbackUsers {
    static final int READERS = 4;
    private static final Duration LIMIT = Duration.ofSeconds(5);
    /** A listening socket's state in the tables (TCP_LISTEN). */
    private static final String LISTEN = "0A";
    /** How long a client waits for its turn to be told apart before it takes the shared places. */
    private static final Duration TURN = Duration.ofSeconds(2);
    /** How many uids without an account are remembered; a namespace has 65,536 of them: the list starts again. */
    private static final int NO_ACCOUNTS_KEPT = 4096;

    private final List<Path> tables;
    private final IntPredicate isAccount;
    private final Set<Integer> accounts = ConcurrentHashMap.newKeySet(); // as many as the host's accounts
    private final Set<Integer> noAccounts = ConcurrentHashMap.newKeySet();
    private final Semaphore readers = new Semaphore(READERS, true);

    LoopbackUsers() {
        this(List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6")), uid -> accountName(uid).isPresent());
    }

    /**
     * @param tables    files in the format of {@code /proc/net/tcp}
     * @param isAccount whether a uid has an account ({@code getent passwd UID})
     */
    LoopbackUsers(List<Path> tables, IntPredicate isAccount) {
        this.tables = List.copyOf(tables);
        this.isAccount = isAccount;
    }

    /**
     * The uid of the client of a connection from {@code client}:{@code clientPort} to {@code server}:{@code
     * serverPort}, as the connection gives them (literals); empty if the client is not on loopback, its socket is
     * not listed as held (it closed, or is in another network namespace), its uid has no account, or its turn
     * among the {@link #READERS} did not come within 2 s.
     */
    OptionalInt uidOf(String client, int clientPort, String server, int serverPort) {
        InetAddress from = literal(client);
        InetAddress to = literal(server);
        if (from == null || to == null || !from.isLoopbackAddress() || !turn()) return OptionalInt.empty();
        try {
            OptionalInt uid = listed(from, clientPort, to, serverPort);
            if (uid.isEmpty() || accounts.contains(uid.getAsInt())) return uid;
            if (noAccounts.contains(uid.getAsInt())) return OptionalInt.empty();
            if (isAccount.test(uid.getAsInt())) {
                accounts.add(uid.getAsInt());
                return uid;
            }
            if (noAccounts.size() >= NO_ACCOUNTS_KEPT) noAccounts.clear();
            noAccounts.add(uid.getAsInt());
            return OptionalInt.empty();
        } finally {
            readers.release();
        }
    }

    private boolean turn() {
        try {
            return readers.tryAcquire(TURN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The uid of the process that listens on {@code host}:{@code port} (a literal, or any address), for the message of
     * an xend that cannot listen there; empty if none is listed.
     */
    OptionalInt listenerOf(String host, int port) {
        InetAddress address = literal(host);
        if (address == null) return OptionalInt.empty();
        return firstUid(f -> f[3].equals(LISTEN) && (endpoint(f[1], address, port) || anyAddress(f[1], port)));
    }

    private static boolean anyAddress(String field, int port) {
        int colon = field.indexOf(':');
        return colon > 0 && field.substring(0, colon).chars().allMatch(c -> c == '0')
                && Integer.parseInt(field.substring(colon + 1), 16) == port;
    }

    /** A client's socket that a process still holds (a non-zero inode), as the tables list it. */
    private OptionalInt listed(InetAddress from, int clientPort, InetAddress to, int serverPort) {
        return firstUid(f -> !f[9].equals("0") && endpoint(f[1], from, clientPort) && endpoint(f[2], to, serverPort));
    }

    /**
     * The uid of the first row of the tables that {@code matches}, the row split into its fields: sl local_address
     * rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ... Empty if none, or its uid is
     * beyond an int's.
     */
    private OptionalInt firstUid(Predicate<String[]> matches) {
        for (Path table : tables) {
            try (Stream<String> lines = Files.lines(table)) {
                OptionalLong uid = lines.skip(1).map(String::strip).map(l -> l.split("\\s+"))
                        .filter(f -> f.length > 9 && matches.test(f)).mapToLong(f -> Long.parseLong(f[7])).findFirst();
                if (uid.isPresent()) return uid.getAsLong() <= Integer.MAX_VALUE ? OptionalInt.of((int) uid.getAsLong()) : OptionalInt.empty();
            } catch (NoSuchFileException e) {
                // no IPv6 on this host
            } catch (IOException | RuntimeException e) {
                System.getLogger(LoopbackUsers.class.getName()).log(System.Logger.Level.WARNING,
                        "cannot read " + table + " to tell who holds a socket: " + e.getMessage());
            }
        }
        return OptionalInt.empty();
    }

    /** The name of the account of {@code uid} ({@code getent passwd UID}), or empty if it has none. */
    static Optional<String> accountName(int uid) {
        HostCommand.Result entry = HostCommand.of("getent", "passwd", Integer.toString(uid)).timeout(LIMIT).tryRun();
        if (!entry.ok()) return Optional.empty();
        return entry.output().lines().map(l -> l.split(":", 2)[0]).filter(n -> !n.isBlank()).findFirst();
    }

    /**
     * Whether a table's {@code ADDRESS:PORT} (hexadecimal; the address in 32-bit words of the host's byte order) is
     * {@code address} and {@code port}. An IPv4 address mapped into IPv6 equals its IPv4 form.
     */
    static boolean endpoint(String field, InetAddress address, int port) {
        int colon = field.indexOf(':');
        if (colon < 0 || Integer.parseInt(field.substring(colon + 1), 16) != port) return false;
        byte[] words = HexFormat.of().parseHex(field, 0, colon);
        byte[] bytes = words.clone();
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN)
            for (int w = 0; w < words.length; w += 4)
                for (int i = 0; i < 4; i++) bytes[w + i] = words[w + 3 - i];
        try {
            return InetAddress.getByAddress(bytes).equals(address);
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** {@code address} as an address, with or without IPv6's brackets; null for anything else (a name is never looked up). */
    static InetAddress literal(String address) {
        if (address == null) return null;
        String bare = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
        if (!bare.contains(":") && !bare.matches("[0-9.]+")) return null; // a name: never looked up
        try {
            return InetAddress.getByName(bare);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
