package org.vmhost.config;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A disk an NBD server exports over TCP, which QEMU reads itself (no Xen block script, no host device).
 * Written in a config as xm's {@code nbd:HOST PORT} (Xen's block-nbd), {@code nbd:HOST:PORT} or QEMU's
 * {@code nbd:HOST:PORT:exportname=NAME}, or as xl's URL {@code nbd://HOST:PORT/NAME}; kept as the URL,
 * which {@link #url()} writes.
 *
 * @param host the server's name or address (an IPv6 address without its brackets)
 * @param port its TCP port
 * @param name the export's name; empty for the server's default export
 */
public record NbdExport(String host, int port, Optional<String> name) {
    /** NBD's registered port, for a URL that names none. */
    public static final int DEFAULT_PORT = 10809;
    /** The NBD protocol's limit on an export name. */
    static final int MAX_NAME_BYTES = 4096;

    private static final Pattern HOST_NAME = Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    /** {@code [v6]:port}, {@code host:port}, {@code host port}, or, in a URL, a host alone. */
    private static final Pattern SERVER = Pattern.compile("(?:\\[([^\\]]*)\\]|([^\\s:\\[\\]]+))(?:(?::|\\s+)([0-9]+))?");

    public NbdExport {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(name, "name");
        if (!(HOST_NAME.matcher(host).matches() || IPV6.matcher(host).matches() && host.length() <= 45)) {
            throw new IllegalArgumentException("'" + host + "' is not a host name or IP address");
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException("NBD port " + port + " is not from 1 to 65535");
        name = name.filter(n -> !n.isEmpty());
        name.ifPresent(n -> {
            if (n.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("NBD export name has a control character");
            }
            if (n.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
                throw new IllegalArgumentException("NBD export name is longer than " + MAX_NAME_BYTES + " bytes");
            }
        });
    }

    /** Whether a disk target names an NBD export rather than a file or device. */
    public static boolean names(String target) {
        return target.startsWith("nbd:") || target.startsWith("nbd+tcp:") || target.startsWith("nbd+unix:");
    }

    /**
     * Reads any of the forms above.
     *
     * @throws IllegalArgumentException saying what is wrong, with the forms that are read
     */
    public static NbdExport parse(String target) {
        String t = target.strip();
        if (t.startsWith("nbd+unix:") || t.startsWith("nbd:unix:")) {
            throw new IllegalArgumentException("NBD over a UNIX socket is not supported; give nbd://HOST:PORT/EXPORT");
        }
        if (t.startsWith("nbd://") || t.startsWith("nbd+tcp://")) return parseUrl(t.substring(t.indexOf("//") + 2));
        if (!t.startsWith("nbd:")) throw new IllegalArgumentException("'" + target + "' is not an NBD address");
        String rest = t.substring("nbd:".length()).strip();
        Optional<String> name = Optional.empty();
        int export = rest.indexOf(":exportname=");
        if (export >= 0) {
            name = Optional.of(rest.substring(export + ":exportname=".length()));
            rest = rest.substring(0, export);
        }
        Matcher m = SERVER.matcher(rest);
        if (!m.matches() || m.group(3) == null) {
            throw new IllegalArgumentException("'" + target + "' is not nbd:HOST:PORT, nbd:HOST PORT, "
                    + "nbd:HOST:PORT:exportname=NAME or nbd://HOST:PORT/NAME");
        }
        return new NbdExport(m.group(1) != null ? m.group(1) : m.group(2), port(m.group(3)), name);
    }

    private static NbdExport parseUrl(String afterScheme) {
        int slash = afterScheme.indexOf('/');
        String authority = slash < 0 ? afterScheme : afterScheme.substring(0, slash);
        String path = slash < 0 ? "" : afterScheme.substring(slash + 1);
        if (path.contains("?") || path.contains("#")) {
            throw new IllegalArgumentException("an NBD URL takes no query or fragment; write '?' and '#' in the export "
                    + "name as %3F and %23");
        }
        Matcher m = SERVER.matcher(authority);
        if (authority.contains(" ") || !m.matches()) {
            throw new IllegalArgumentException("'" + authority + "' is not HOST:PORT in nbd://HOST:PORT/EXPORT");
        }
        int port = m.group(3) == null ? DEFAULT_PORT : port(m.group(3));
        return new NbdExport(m.group(1) != null ? m.group(1) : m.group(2), port, Optional.of(decode(path)));
    }

    private static int port(String digits) {
        if (digits.length() > 5) throw new IllegalArgumentException("NBD port " + digits + " is not from 1 to 65535");
        return Integer.parseInt(digits);
    }

    /** The canonical form, {@code nbd://HOST:PORT/NAME}, the export name percent-encoded where it must be. */
    public String url() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "nbd://" + h + ":" + port + name.map(n -> "/" + encode(n)).orElse("");
    }

    @Override
    public String toString() {
        return url();
    }

    /** Keeps RFC 3986's path characters, except those that mean something in a config or a disk spec. */
    private static String encode(String name) {
        StringBuilder sb = new StringBuilder();
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~!$&()*+;=:@/".indexOf(c) >= 0) {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private static String decode(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%') {
                if (i + 2 >= path.length() || Character.digit(path.charAt(i + 1), 16) < 0
                        || Character.digit(path.charAt(i + 2), 16) < 0) {
                    throw new IllegalArgumentException("'%" + path.substring(i + 1, Math.min(path.length(), i + 3))
                            + "' in NBD export name is not a percent-escape such as %2C");
                }
                out.write(Character.digit(path.charAt(i + 1), 16) << 4 | Character.digit(path.charAt(i + 2), 16));
                i += 2;
            } else {
                int cp = path.codePointAt(i);
                out.writeBytes(Character.toString(cp).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp) - 1;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
