package org.vmhost.api;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntSupplier;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * The names by which the TCP API may be reached. A request whose {@code Host} is another name came through a
 * name an attacker controls (DNS rebinding: evil.example resolving to 127.0.0.1), and a request whose
 * {@code Origin} is another site was sent by another site's page; both are refused before anything else.
 */
final class HostCheck {
    private final Set<String> names;
    private final String scheme;
    private final IntSupplier port;

    HostCheck(String listen, List<String> configured, boolean tls, IntSupplier port) {
        Set<String> n = new HashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        n.add(bare(listen));
        for (String c : configured) n.add(bare(c));
        try {
            InetAddress local = InetAddress.getLocalHost();
            n.add(local.getHostName().toLowerCase(Locale.ROOT));
            n.add(local.getCanonicalHostName().toLowerCase(Locale.ROOT));
        } catch (UnknownHostException e) {
            // a host without a resolvable name of its own is reached by address or localhost
        }
        if (isWildcard(listen)) n.addAll(interfaceAddresses());
        this.names = Set.copyOf(n);
        this.scheme = tls ? "https" : "http";
        this.port = port;
    }

    /** Refuses a {@code Host} header that names none of this host's names. */
    void checkHost(String host) {
        if (host == null || host.isEmpty())
            throw refused("a request over TCP needs a Host header");
        if (!names.contains(bare(stripPort(host))))
            throw refused("the Host '" + printable(host) + "' is not a name of this xend; add it to api_allowed_hosts in xend.conf "
                    + "if clients reach xend by it");
    }

    /** Refuses an {@code Origin} other than this xend's own, e.g. another site's page in a browser. */
    void checkOrigin(String origin) {
        if (origin == null) return; // not from a browser's cross-origin fetch or form
        boolean ok;
        try {
            URI uri = new URI(origin);
            int p = uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
            ok = scheme.equals(uri.getScheme()) && uri.getHost() != null && names.contains(bare(uri.getHost()))
                    && p == port.getAsInt();
        } catch (URISyntaxException e) {
            ok = false;
        }
        if (!ok) throw refused("requests from the web page at '" + printable(origin) + "' are refused: it is not xend's own origin");
    }

    private static VmhostException refused(String message) {
        return new VmhostException(ErrorCode.UNAUTHORIZED, message);
    }

    static boolean isWildcard(String listen) {
        return listen.equals("0.0.0.0") || listen.equals("::") || listen.equals("[::]");
    }

    private static String stripPort(String host) {
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(0, end + 1);
        }
        int colon = host.indexOf(':');
        return colon < 0 || host.indexOf(':', colon + 1) >= 0 ? host : host.substring(0, colon);
    }

    /** Lower case, without IPv6 brackets or a trailing dot. */
    private static String bare(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        if (n.startsWith("[") && n.endsWith("]")) n = n.substring(1, n.length() - 1);
        if (n.endsWith(".")) n = n.substring(0, n.length() - 1);
        return n;
    }

    private static Set<String> interfaceAddresses() {
        Set<String> out = new HashSet<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces()))
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    String text = a.getHostAddress();
                    int zone = text.indexOf('%');
                    out.add((zone < 0 ? text : text.substring(0, zone)).toLowerCase(Locale.ROOT));
                }
        } catch (SocketException e) {
            // no interfaces listed: only the names above are accepted
        }
        return out;
    }

    private static String printable(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 100 ? p.substring(0, 100) + "..." : p;
    }
}
