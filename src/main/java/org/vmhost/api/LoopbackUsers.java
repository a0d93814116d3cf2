package org.vmhost.api;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * Which user of this host holds the other end of a TCP connection over loopback: the uid the kernel lists for the
 * client's socket in {@code /proc/net/tcp} and {@code tcp6}, as identd answered, for this host's own connections
 * only. The login queue counts places by it ({@link PamLogin}), so that one local user's logins cannot take the
 * places of another's, an administrator's browser on this host or an SSH tunnel's included.
 */
final class LoopbackUsers {
    private final List<Path> tables;

    LoopbackUsers() {
        this(List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6")));
    }

    /** @param tables files in the format of {@code /proc/net/tcp} (tests) */
    LoopbackUsers(List<Path> tables) {
        this.tables = List.copyOf(tables);
    }

    /**
     * The uid of the client of a connection from {@code client}:{@code clientPort} to {@code server}:{@code
     * serverPort}, as the connection gives them (literals); empty if the client is not on loopback, or its socket is
     * not listed (it closed, or is in another network namespace).
     */
    OptionalInt uidOf(String client, int clientPort, String server, int serverPort) {
        InetAddress from = literal(client);
        InetAddress to = literal(server);
        if (from == null || to == null || !from.isLoopbackAddress()) return OptionalInt.empty();
        for (Path table : tables) {
            try (Stream<String> lines = Files.lines(table)) {
                OptionalInt uid = lines.skip(1).map(String::strip).map(l -> l.split("\\s+"))
                        .filter(f -> f.length > 7 && endpoint(f[1], from, clientPort) && endpoint(f[2], to, serverPort))
                        .mapToInt(f -> Integer.parseInt(f[7])).findFirst();
                if (uid.isPresent()) return uid;
            } catch (NoSuchFileException e) {
                // no IPv6 on this host
            } catch (IOException | RuntimeException e) {
                System.getLogger(LoopbackUsers.class.getName()).log(System.Logger.Level.WARNING,
                        "cannot read " + table + " to tell a loopback client's user: " + e.getMessage());
            }
        }
        return OptionalInt.empty();
    }

    /**
     * Whether a table's {@code ADDRESS:PORT} (hexadecimal; the address in 32-bit words of the host's order, which
     * is little-endian on the machines xend runs on) is {@code address} and {@code port}. An IPv4 address mapped
     * into IPv6 equals its IPv4 form.
     */
    static boolean endpoint(String field, InetAddress address, int port) {
        int colon = field.indexOf(':');
        if (colon < 0 || Integer.parseInt(field.substring(colon + 1), 16) != port) return false;
        byte[] words = HexFormat.of().parseHex(field, 0, colon);
        byte[] bytes = new byte[words.length];
        for (int w = 0; w < words.length; w += 4)
            for (int i = 0; i < 4; i++) bytes[w + i] = words[w + 3 - i];
        try {
            return InetAddress.getByAddress(bytes).equals(address);
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static InetAddress literal(String address) {
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
