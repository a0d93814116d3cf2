package org.vmhost.network;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.host.HostCommand;
import org.vmhost.json.JsonBinding;
import org.vmhost.json.JsonCodec;

/**
 * The host's side of guest networking: the networks xend keeps, their bridges, NAT and DHCP, and one tap
 * per vif. QEMU's user-mode network (restricted: it reaches nothing of the host) is used only where it is
 * asked for: by a vif ({@code type=user}, {@link #plugUserMode}) or for every vif by the host's setting
 * {@code VMHOST_NETWORK=user}. Whatever else a vif asks for (its bridge, the network's rules, a rate limit)
 * is made, or {@link #plug} fails with the reason and leaves nothing behind; it never degrades silently.
 *
 * <p>Networks live in {@code networks.json} under xend's home, rewritten atomically (write, fsync,
 * rename) on every change, before it is acknowledged. Nothing here is undone when xend stops: bridges,
 * dnsmasq and the taps of running guests stay, and the next xend finds them by name.
 *
 * <p>Thread-safe: changes to the set of networks are serialised on this object; taps are per domain and
 * the lifecycle makes them inside the domain's job.
 */
public final class HostNetwork {
    private static final Logger LOG = Logger.getLogger(HostNetwork.class.getName());
    /** The bridge of a vif that names none, as Xen's network-bridge script made it. */
    public static final String DEFAULT_BRIDGE = "xenbr0";

    /** One network as kept in the file. */
    record Stored(String name, String type, String bridge, String subnet, boolean madeByXend, String uplink) {
        NetworkConfig config() {
            return new NetworkConfig(name, NetworkType.fromConfigName(type), bridge, Optional.ofNullable(subnet),
                    Optional.ofNullable(uplink));
        }

        static Stored of(NetworkConfig c, boolean madeByXend) {
            return new Stored(c.name(), c.type().configName(), c.bridge(), c.subnet().orElse(null), madeByXend,
                    c.uplink().orElse(null));
        }
    }

    /** The file's shape, with a version so that a later xend can read an older file. */
    record StoredFile(int version, List<Stored> networks) {
    }

    private final Path file;
    private final Path stateDir;
    private final Optional<String> userModeReason;
    /** Whether the host's setting asks for user-mode networking, rather than the host lacking taps. */
    private final boolean userModeAsked;
    /** The user that owns the taps: QEMU's, so that a QEMU that has dropped root can open a hot-plugged one. */
    private final Optional<String> tapOwner;
    private final Map<String, Stored> networks = new LinkedHashMap<>();

    private HostNetwork(Path file, Path stateDir, Optional<String> userModeReason, boolean userModeAsked,
                        Optional<String> tapOwner) {
        this.file = file;
        this.stateDir = stateDir;
        this.userModeReason = userModeReason;
        this.userModeAsked = userModeAsked;
        this.tapOwner = tapOwner;
    }

    /**
     * Opens the networks of one xend home.
     *
     * @param file     {@code $VMHOST_HOME/networks.json}
     * @param stateDir {@code $VMHOST_HOME/network}: dnsmasq's pid and lease files (not under run/, whose stray
     *                 directories xend removes at start-up)
     * @param env      the environment; {@code VMHOST_NETWORK=user} forces user-mode networking
     */
    public static HostNetwork open(Path file, Path stateDir, Map<String, String> env) {
        return open(file, stateDir, env, Optional.empty());
    }

    /** As {@link #open(Path, Path, Map)}, with taps owned by {@code tapOwner} (QEMU's unprivileged user). */
    public static HostNetwork open(Path file, Path stateDir, Map<String, String> env, Optional<String> tapOwner) {
        HostNetwork n = new HostNetwork(file, stateDir, userModeReason(env), "user".equals(env.get("VMHOST_NETWORK")),
                tapOwner);
        n.load();
        return n;
    }

    private static Optional<String> userModeReason(Map<String, String> env) {
        if ("user".equals(env.get("VMHOST_NETWORK"))) return Optional.of("VMHOST_NETWORK=user asks for it");
        if (!isRoot()) return Optional.of("xend is not root, so it cannot make bridges and taps");
        if (!Files.exists(Path.of("/dev/net/tun"))) return Optional.of("the host has no /dev/net/tun");
        if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))) {
            return Optional.of("iproute2's ip is not installed");
        }
        return Optional.empty();
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

    /** Whether vifs get taps on bridges; if not, they get QEMU's user-mode network. */
    public boolean bridging() {
        return userModeReason.isEmpty();
    }

    /** One line for {@code xm info}: how guests are networked, and why. */
    public synchronized String describe() {
        if (userModeReason.isPresent() && userModeAsked) {
            return "user-mode networking for every vif (no bridges): " + userModeReason.get();
        }
        if (userModeReason.isPresent()) {
            return "no bridges or taps (" + userModeReason.get() + "): only vifs with type=user can start";
        }
        List<String> names = new ArrayList<>();
        for (Stored s : networks.values()) names.add(s.name() + " (" + s.type() + ", " + s.bridge() + ")");
        return "bridges and taps; networks: " + (names.isEmpty() ? "none yet" : String.join(", ", names));
    }

    // ---- networks ------------------------------------------------------------------------------

    public synchronized List<NetworkInfo> list() {
        List<NetworkInfo> list = new ArrayList<>();
        for (Stored s : networks.values()) list.add(info(s));
        return list;
    }

    public synchronized NetworkInfo get(String name) {
        return info(require(name));
    }

    /** {@code xm net-create}: makes the network on the host, then keeps it. All or nothing. */
    public synchronized NetworkInfo create(NetworkConfig config) {
        requireBridging("create network '" + config.name() + "'");
        if (networks.containsKey(config.name())) {
            throw new VmhostException(ErrorCode.RESOURCE_BUSY, "network '" + config.name() + "' already exists");
        }
        for (Stored s : networks.values()) {
            if (s.bridge().equals(config.bridge())) {
                throw new VmhostException(ErrorCode.RESOURCE_BUSY, "bridge " + config.bridge()
                        + " already belongs to network '" + s.name() + "'");
            }
        }
        if (config.type() != NetworkType.BRIDGED && linkExists(config.bridge())) {
            // A nat or isolated network must own its bridge, or its rules would cut off what else is on it.
            throw new VmhostException(ErrorCode.RESOURCE_BUSY, "bridge " + config.bridge()
                    + " already exists on this host; a " + config.type().configName() + " network makes its own");
        }
        Stored s = Stored.of(config, !linkExists(config.bridge()));
        try {
            bringUp(s);
            networks.put(s.name(), s);
            save();
        } catch (RuntimeException e) {
            networks.remove(s.name());
            tearDown(s);
            throw e;
        }
        LOG.info("network '" + s.name() + "' created: " + s.type() + " on bridge " + s.bridge());
        return info(s);
    }

    /** {@code xm net-delete}: refused while a tap is on its bridge. */
    public synchronized void delete(String name) {
        Stored s = require(name);
        List<String> taps = portsOf(s.bridge()).stream().filter(p -> !p.equals(s.uplink())).toList();
        if (!taps.isEmpty()) {
            throw new VmhostException(ErrorCode.RESOURCE_BUSY, "network '" + name + "' is in use by " + String.join(", ", taps));
        }
        networks.remove(name);
        try {
            save();
        } catch (RuntimeException e) {
            networks.put(name, s);
            throw e;
        }
        tearDown(s);
        LOG.info("network '" + name + "' deleted");
    }

    /**
     * At xend's start: makes again what a host reboot took away (bridges, addresses, rules, dnsmasq) and
     * leaves alone what is still there, running guests' taps included.
     */
    public synchronized void restore() {
        if (!bridging()) return;
        for (Stored s : networks.values()) {
            try {
                bringUp(s);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "network '" + s.name() + "' could not be restored: " + e.getMessage());
            }
        }
    }

    // ---- vifs ----------------------------------------------------------------------------------

    /**
     * Makes the host side of one vif: a tap named {@code vif<domid>.<devid>} (or the config's vifname) on
     * its bridge, with the rate limit applied; with user-mode networking, only the MAC is chosen.
     *
     * @param guest  the domain's name: on a nat network, dnsmasq gives the guest this name in DNS
     * @param bridge a network's name or a bridge's; empty means {@link #DEFAULT_BRIDGE}, made when missing
     */
    public Vif plug(String guest, int domid, int devid, Optional<String> mac, Optional<String> bridge, Optional<String> vifname,
                    String model, Optional<String> rate) {
        String chosenMac = mac.orElseGet(MacAddress::random);
        Optional<Rate> limit = rate.map(Rate::parse);
        if (userModeAsked) return plugUserMode(devid, mac, Optional.empty(), Optional.empty(), model, rate);
        userModeReason.ifPresent(why -> {
            throw new VmhostException(ErrorCode.HOST_FAILED, "vif " + devid + " needs a tap on bridge "
                    + bridge.orElse(DEFAULT_BRIDGE) + ", and " + why + " (give the vif type=user for QEMU's user-mode "
                    + "network, which reaches nothing of the host)");
        });
        String br = bridgeFor(bridge.orElse(DEFAULT_BRIDGE));
        String tap = vifname.orElse("vif" + domid + "." + devid);
        if (!NetworkConfig.IFNAME.matcher(tap).matches()) {
            throw new VmhostException(ErrorCode.INVALID_CONFIG, "invalid tap name '" + tap + "': at most 15 letters, digits and . _ -");
        }
        if (linkExists(tap)) {
            throw new VmhostException(ErrorCode.RESOURCE_BUSY, "network device " + tap
                    + " already exists on this host (another xend's guest, or a vifname in use)");
        }
        List<String> add = new ArrayList<>(List.of("ip", "tuntap", "add", "dev", tap, "mode", "tap"));
        // Owned by QEMU's user, so that a QEMU that has dropped root can open it when it is hot-plugged.
        tapOwner.ifPresent(u -> add.addAll(List.of("user", u)));
        HostCommand.of(add).run();
        try {
            HostCommand.of("ip", "link", "set", "dev", tap, "master", br).run();
            // The guest's MAC must never be the bridge's lowest, or the bridge would take it: fe:ff:ff... as Xen did.
            HostCommand.of("ip", "link", "set", "dev", tap, "address", "fe:ff:ff:ff:ff:ff").run();
            if (limit.isPresent()) applyRate(tap, limit.get());
            HostCommand.of("ip", "link", "set", "dev", tap, "up").run();
        } catch (RuntimeException e) {
            deleteLink(tap);
            deleteLink(shaperOf(tap));
            throw e;
        }
        nameGuest(br, chosenMac, guest);
        return new Vif(devid, chosenMac, Optional.of(br), Optional.of(tap), model, rate);
    }

    /**
     * A vif on QEMU's user-mode network, as its config ({@code type=user}) or the host's setting asks: no tap,
     * no bridge. QEMU restricts it (it reaches nothing of the host or beyond), so it cannot be rate-limited.
     */
    public Vif plugUserMode(int devid, Optional<String> mac, Optional<String> bridge, Optional<String> vifname,
                            String model, Optional<String> rate) {
        if (bridge.isPresent() || vifname.isPresent()) {
            throw new VmhostException(ErrorCode.INVALID_CONFIG, "vif " + devid + ": type=user has no tap and no bridge; "
                    + "it takes no " + (bridge.isPresent() ? "bridge=" + bridge.get() : "vifname=" + vifname.get()));
        }
        if (rate.isPresent()) {
            throw new VmhostException(ErrorCode.INVALID_CONFIG, "vif " + devid + ": rate=" + rate.get()
                    + " needs a tap; a user-mode vif has none");
        }
        return new Vif(devid, mac.orElseGet(MacAddress::random), Optional.empty(), Optional.empty(), model, Optional.empty());
    }

    /** Whether a vif's {@code type=} asks for QEMU's user-mode network rather than a tap. */
    public static boolean userMode(Optional<String> type) {
        return type.filter(t -> t.equalsIgnoreCase("user")).isPresent();
    }

    /** Removes a vif's tap; a tap that is already gone is fine. */
    public void unplug(Vif vif) {
        vif.tap().ifPresent(tap -> {
            deleteLink(tap);
            if (vif.rate().isPresent()) deleteLink(shaperOf(tap));
        });
        vif.bridge().ifPresent(br -> nameGuest(br, vif.mac(), null));
    }

    /** A DNS label: letters, digits and hyphens, at most 63. */
    private static final java.util.regex.Pattern HOSTNAME = java.util.regex.Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    /**
     * The DNS label a guest's domain name becomes in dnsmasq's hosts file, or empty when none can be made.
     * A domain may be named anything xl accepts ({@code web#1}, {@code vm-café}), a host name may not: each run
     * of ASCII characters other than letters and digits becomes one {@code -}, non-ASCII letters are written in
     * IDNA's {@code xn--} form, and the label is cut to fit 63 characters. Two domains may come out the same
     * ({@code web#1}, {@code web-1}); the one that started last has the name.
     */
    static Optional<String> hostName(String domainName) {
        String ldh = domainName.replaceAll("[\\x00-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f]+", "-")
                .replaceAll("^-+|-+$", "");
        // the longest start of it that has an IDNA form of at most 63 characters
        for (int n = Math.min(ldh.length(), 63); n > 0; n--) {
            String head = ldh.substring(0, n).replaceAll("-+$", "");
            try {
                String label = java.net.IDN.toASCII(head, java.net.IDN.USE_STD3_ASCII_RULES);
                if (HOSTNAME.matcher(label).matches()) return Optional.of(label);
            } catch (IllegalArgumentException e) {
                // no IDNA form (too long, an unassigned code point, half a surrogate pair): try a shorter start
            }
        }
        return Optional.empty();
    }

    /**
     * On a nat network, gives (or, with a null name, takes back) a MAC's DNS name: a line {@code mac,name} in
     * dnsmasq's hosts file, which it reads again on SIGHUP. Elsewhere nothing. Never fails a start: a
     * guest without a name still has its address.
     */
    private synchronized void nameGuest(String bridge, String mac, String guest) {
        Stored s = null;
        for (Stored x : networks.values()) if (x.bridge().equals(bridge) && x.type().equals(NetworkType.NAT.configName())) s = x;
        if (s == null) return;
        if (guest != null && hostName(guest).isEmpty()) return;
        String name = guest == null ? null : hostName(guest).get();
        Path hosts = stateDir.resolve(s.name() + ".hosts");
        try {
            List<String> lines = new ArrayList<>();
            if (Files.exists(hosts)) {
                for (String l : Files.readAllLines(hosts)) if (!l.startsWith(mac + ",")) lines.add(l);
            }
            if (name != null) {
                lines.removeIf(l -> l.endsWith("," + name));
                lines.add(mac + "," + name);
            }
            Path tmp = hosts.resolveSibling(hosts.getFileName() + ".tmp");
            Files.write(tmp, lines);
            letDnsmasqRead(tmp); // it reads the file again on SIGHUP, no longer root
            Files.move(tmp, hosts, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Optional<ProcessHandle> dnsmasq = dnsmasqPid(stateDir.resolve(s.name() + ".pid"));
            if (dnsmasq.isPresent()) HostCommand.of("kill", "-HUP", Long.toString(dnsmasq.get().pid())).tryRun();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot name " + mac + " on network '" + s.name() + "': " + e.getMessage());
        }
    }

    /** Whether a vif's tap still exists, as a restarted xend checks before adopting it. */
    public boolean present(Vif vif) {
        return vif.tap().map(HostNetwork::linkExists).orElse(true);
    }

    /** A bridge for a vif's {@code bridge=}: a network's name, or a bridge, made (and kept) when missing. */
    private synchronized String bridgeFor(String ref) {
        Stored s = networks.get(ref);
        if (s == null) {
            for (Stored x : networks.values()) if (x.bridge().equals(ref)) s = x;
        }
        if (s == null) {
            if (linkExists(ref) && !Files.isDirectory(Path.of("/sys/class/net", ref, "bridge"))) {
                throw new VmhostException(ErrorCode.HOST_FAILED, "vif bridge '" + ref + "': " + ref
                        + " exists on this host but is not a bridge");
            }
            if (linkExists(ref)) return ref;  // the administrator's own bridge, used as it is
            NetworkConfig config;
            try {
                config = new NetworkConfig(ref, NetworkType.BRIDGED, ref, Optional.empty());
            } catch (IllegalArgumentException e) {
                throw new VmhostException(ErrorCode.INVALID_CONFIG, "vif bridge '" + ref + "': " + e.getMessage());
            }
            LOG.info("bridge " + ref + " does not exist; making it as bridged network '" + ref + "'");
            return create(config).bridge();
        }
        if (!linkExists(s.bridge())) bringUp(s);
        return s.bridge();
    }

    /**
     * What the guest sends arrives on the tap's ingress, where Linux can only police (drop), and not every
     * kernel has the police action. So it is redirected to an IFB device of its own and shaped there by a
     * token bucket, which queues rather than drops: TCP settles at the rate instead of collapsing.
     */
    private static void applyRate(String tap, Rate rate) {
        String ifb = shaperOf(tap);
        deleteLink(ifb);
        HostCommand.of("ip", "link", "add", "name", ifb, "type", "ifb").run();
        HostCommand.of("ip", "link", "set", "dev", ifb, "up").run();
        HostCommand.of("tc", "qdisc", "add", "dev", ifb, "root", "tbf", "rate", rate.bitsPerSecond() + "bit",
                "burst", Long.toString(rate.burstBytes()), "latency", "200ms").run();
        HostCommand.of("tc", "qdisc", "add", "dev", tap, "handle", "ffff:", "ingress").run();
        HostCommand.of("tc", "filter", "add", "dev", tap, "parent", "ffff:", "protocol", "all", "prio", "1",
                "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", ifb).run();
    }

    /** The IFB device that shapes a rate-limited tap's traffic: {@code r} and the tap's name. */
    static String shaperOf(String tap) {
        String name = "r" + tap;
        return name.length() <= 15 ? name : name.substring(0, 15);
    }

    // ---- making networks on the host -----------------------------------------------------------

    private void bringUp(Stored s) {
        NetworkConfig c = s.config();
        if (!linkExists(c.bridge())) {
            HostCommand.of("ip", "link", "add", "name", c.bridge(), "type", "bridge").run();
        }
        // No STP delay: a guest's first DHCP request must not fall into a listening bridge port.
        HostCommand.of("ip", "link", "set", "dev", c.bridge(), "type", "bridge", "forward_delay", "0", "stp_state", "0").tryRun();
        switch (c.type()) {
            case BRIDGED -> { }
            case ISOLATED -> {
                sysctl("net/ipv6/conf/" + c.bridge() + "/disable_ipv6", "1");
                nft(tableFor(c.bridge()), isolatedRules(c.bridge()));
            }
            case NAT -> {
                Subnet net = Subnet.parse(c.subnet().orElseThrow());
                sysctl("net/ipv6/conf/" + c.bridge() + "/disable_ipv6", "1");
                HostCommand.of("ip", "addr", "replace", net.hostAddressWithPrefix(), "dev", c.bridge()).run();
                sysctl("net/ipv4/ip_forward", "1");
                nft(tableFor(c.bridge()), natRules(c.bridge(), net));
            }
        }
        HostCommand.of("ip", "link", "set", "dev", c.bridge(), "up").run();
        if (c.type() == NetworkType.NAT) startDnsmasq(s, Subnet.parse(c.subnet().orElseThrow()));
        if (c.uplink().isPresent()) moveUplink(c.uplink().get(), c.bridge());
    }

    /**
     * Moves a host interface into a bridge, as Xen's network-bridge script did: its IPv4 addresses and the
     * routes through it go to the bridge, then the interface becomes a port. Only at the user's request
     * ({@code --uplink}); idempotent, so a restart finds it done.
     */
    private static void moveUplink(String dev, String bridge) {
        if (!linkExists(dev)) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "uplink " + dev + " does not exist on this host");
        }
        if (portsOf(bridge).contains(dev)) return;
        moveAddresses(dev, bridge);
        HostCommand.of("ip", "link", "set", "dev", dev, "master", bridge).run();
        HostCommand.of("ip", "link", "set", "dev", dev, "up").run();
    }

    /** Gives an uplink back its addresses and routes: the inverse of {@link #moveUplink}. Never fails. */
    private static void restoreUplink(String dev, String bridge) {
        if (!linkExists(dev)) return;
        HostCommand.of("ip", "link", "set", "dev", dev, "nomaster").tryRun();
        try {
            if (linkExists(bridge)) moveAddresses(bridge, dev);
        } catch (RuntimeException e) {
            LOG.warning("cannot give " + dev + " back its addresses: " + e.getMessage());
        }
    }

    /** Moves every IPv4 address, then every route that is not the kernel's own, from one link to another. */
    private static void moveAddresses(String from, String to) {
        List<String> routes = HostCommand.of("ip", "-4", "-o", "route", "show", "dev", from).run().lines()
                .filter(l -> !l.contains("proto kernel") && !l.isBlank()).toList();
        for (String line : HostCommand.of("ip", "-4", "-o", "addr", "show", "dev", from).run().lines().toList()) {
            String[] f = line.trim().split("\\s+");
            int i = java.util.Arrays.asList(f).indexOf("inet");
            if (i < 0 || i + 1 >= f.length) continue;
            HostCommand.of("ip", "addr", "add", f[i + 1], "dev", to).run();
            HostCommand.of("ip", "addr", "del", f[i + 1], "dev", from).run();
        }
        for (String route : routes) {
            List<String> argv = new ArrayList<>(List.of("ip", "-4", "route", "replace"));
            argv.addAll(List.of(route.trim().split("\\s+")));
            argv.addAll(List.of("dev", to));
            HostCommand.of(argv.toArray(String[]::new)).tryRun();
        }
    }

    /** Undoes {@link #bringUp}: dnsmasq, rules, and the bridge if xend made it. Never fails. */
    private void tearDown(Stored s) {
        if (s.uplink() != null) restoreUplink(s.uplink(), s.bridge());
        stopDnsmasq(s);
        if (!s.type().equals(NetworkType.BRIDGED.configName())) {
            HostCommand.of("nft", "delete", "table", "inet", tableFor(s.bridge())).tryRun();
        }
        if (s.madeByXend()) {
            deleteLink(s.bridge());
        } else if (s.type().equals(NetworkType.NAT.configName()) && s.subnet() != null) {
            HostCommand.of("ip", "addr", "del", Subnet.parse(s.subnet()).hostAddressWithPrefix(), "dev", s.bridge()).tryRun();
        }
        try {
            Files.deleteIfExists(stateDir.resolve(s.name() + ".hosts"));
            Files.deleteIfExists(stateDir.resolve(s.name() + ".leases"));
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot remove the leases of network '" + s.name() + "'", e);
        }
    }

    /**
     * The nftables table of a network's bridge. Interface names may hold {@code . - _}, nft table names only
     * {@code _}: each other character becomes {@code _} and its code, so that {@code vm.a} and {@code vm-a}
     * (and {@code vm_a}) get tables of their own and deleting one network never deletes another's rules.
     */
    static String tableFor(String bridge) {
        StringBuilder t = new StringBuilder("vmhost_");
        for (char c : bridge.toCharArray()) {
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) t.append(c);
            else t.append('_').append(Integer.toHexString(c)).append('_');
        }
        return t.toString();
    }

    static String isolatedRules(String br) {
        return """
                chain input { type filter hook input priority filter; policy accept; iifname "%1$s" drop; }
                chain forward { type filter hook forward priority filter; policy accept;
                  iifname "%1$s" oifname != "%1$s" drop; oifname "%1$s" iifname != "%1$s" drop; }
                chain output { type filter hook output priority filter; policy accept; oifname "%1$s" drop; }
                """.formatted(br);
    }

    static String natRules(String br, Subnet net) {
        return """
                chain forward { type filter hook forward priority filter; policy accept;
                  iifname "%1$s" ip saddr %2$s accept;
                  oifname "%1$s" ct state established,related accept;
                  iifname "%1$s" oifname != "%1$s" drop;
                  oifname "%1$s" iifname != "%1$s" drop; }
                chain postrouting { type nat hook postrouting priority srcnat; policy accept;
                  ip saddr %2$s ip daddr != %2$s oifname != "%1$s" masquerade; }
                """.formatted(br, net);
    }

    /** Replaces one nftables table of ours in one transaction: delete (if there) and add. */
    private static void nft(String table, String chains) {
        HostCommand.of("nft", "delete", "table", "inet", table).tryRun();
        HostCommand.of("nft", "-f", "-").input("table inet " + table + " {\n" + chains + "}\n").run();
    }

    /** Sets a kernel parameter by its path under /proc/sys: an interface's name may hold a dot, so no dotted key. */
    private static void sysctl(String path, String value) {
        Path file = Path.of("/proc/sys", path);
        try {
            Files.writeString(file, value);
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot set " + file + " to " + value + ": " + e.getMessage(), e);
        }
    }

    private void startDnsmasq(Stored s, Subnet net) {
        Path pid = stateDir.resolve(s.name() + ".pid");
        if (dnsmasqPid(pid).isPresent()) return;
        Path hosts = stateDir.resolve(s.name() + ".hosts");
        try {
            Files.createDirectories(stateDir);
            if (!Files.exists(hosts)) Files.createFile(hosts);
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot make " + hosts + ": " + e.getMessage(), e);
        }
        // dnsmasq parses every guest's DHCP and DNS packets: it drops root for DNSMASQ_USER once it has bound its
        // sockets and opened its lease and pid files (keeping only the capabilities DHCP needs), as libvirt's does.
        // It reads the hosts file again on SIGHUP as that user: the file and its directory are opened to it alone.
        letDnsmasqSearch(stateDir.getParent());
        letDnsmasqSearch(stateDir);
        letDnsmasqRead(hosts);
        HostCommand.Result reach = HostCommand.of("runuser", "-u", DNSMASQ_USER, "--", "test", "-r", hosts.toString()).tryRun();
        if (!reach.ok()) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "dnsmasq, which runs as " + DNSMASQ_USER + ", could not read "
                    + hosts + " (are POSIX ACLs, setfacl, available on " + stateDir + "?)");
        }
        // dnsmasq forks into its own session, so it outlives xend as the guests do.
        HostCommand.of("dnsmasq", "--conf-file=/dev/null", "--strict-order", "--bind-interfaces",
                "--except-interface=lo", "--interface=" + s.bridge(), "--listen-address=" + net.hostAddress(),
                "--dhcp-range=" + net.firstLease() + "," + net.lastLease() + "," + net.netmask() + ",1h",
                "--dhcp-authoritative", "--dhcp-no-override", "--no-resolv", "--no-hosts",
                "--domain=" + s.name(), "--local=/" + s.name() + "/", "--expand-hosts",
                "--dhcp-leasefile=" + stateDir.resolve(s.name() + ".leases"), "--dhcp-hostsfile=" + hosts,
                "--pid-file=" + pid, "--user=" + DNSMASQ_USER).run();
    }

    /** Who dnsmasq runs as once it has set itself up; its group stays its build's default. */
    private static final String DNSMASQ_USER = "nobody";

    /** A POSIX ACL entry: this file is readable by dnsmasq's user, and by no one else it was not already. */
    private static void letDnsmasqRead(Path file) {
        acl("u:" + DNSMASQ_USER + ":r", file);
    }

    private static void letDnsmasqSearch(Path dir) {
        acl("u:" + DNSMASQ_USER + ":x", dir);
    }

    private static void acl(String entry, Path path) {
        HostCommand.Result r = HostCommand.of("setfacl", "-m", entry, "--", path.toString()).tryRun();
        if (!r.ok()) LOG.warning("cannot let dnsmasq reach " + path + " (guests' names may not resolve): " + r.output().strip());
    }

    private void stopDnsmasq(Stored s) {
        Path pid = stateDir.resolve(s.name() + ".pid");
        dnsmasqPid(pid).ifPresent(p -> {
            p.destroy();
            try {
                p.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        });
        try {
            Files.deleteIfExists(pid);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot remove " + pid, e);
        }
    }

    /**
     * The dnsmasq of a pid file, if it still runs: a dnsmasq started with this very pid file. dnsmasq gives its pid
     * file to the user it runs as, so the number in it is not trusted alone: a reused pid, or another dnsmasq's
     * written there, is not it, and is never signalled.
     */
    private static Optional<ProcessHandle> dnsmasqPid(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            String ownPidFile = "--pid-file=" + pidFile;
            return ProcessHandle.of(pid).filter(p -> p.info().command().map(c -> c.endsWith("dnsmasq")).orElse(false)
                    && p.info().arguments().map(a -> java.util.Arrays.asList(a).contains(ownPidFile)).orElse(false));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    // ---- host facts ----------------------------------------------------------------------------

    static boolean linkExists(String name) {
        return Files.exists(Path.of("/sys/class/net", name));
    }

    /** The ports of a bridge (our taps, and anything the administrator attached). */
    static List<String> portsOf(String bridge) {
        Path dir = Path.of("/sys/class/net", bridge, "brif");
        if (!Files.isDirectory(dir)) return List.of();
        try (var ports = Files.list(dir)) {
            return ports.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void deleteLink(String name) {
        if (!linkExists(name)) return;
        HostCommand.Result r = HostCommand.of("ip", "link", "del", "dev", name).tryRun();
        if (r.exit() != 0 && linkExists(name)) LOG.warning("cannot remove " + name + ": " + r.output().strip());
    }

    private NetworkInfo info(Stored s) {
        boolean up = linkExists(s.bridge());
        return new NetworkInfo(s.name(), s.type(), s.bridge(), Optional.ofNullable(s.subnet()), up, s.madeByXend(),
                portsOf(s.bridge()).stream().filter(p -> !p.equals(s.uplink())).toList(), Optional.ofNullable(s.uplink()));
    }

    private Stored require(String name) {
        Stored s = networks.get(name);
        if (s == null) throw new VmhostException(ErrorCode.NO_SUCH_DEVICE, "network '" + name + "' does not exist");
        return s;
    }

    private void requireBridging(String what) {
        userModeReason.ifPresent(why -> {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot " + what + ": " + why);
        });
    }

    // ---- the file ------------------------------------------------------------------------------

    private void load() {
        if (!Files.exists(file)) return;
        try {
            StoredFile f = JsonBinding.read(JsonCodec.parse(Files.readAllBytes(file)), StoredFile.class,
                    JsonBinding.Strictness.LENIENT);
            if (f.version() > 1) {
                throw new VmhostException(ErrorCode.INTERNAL, file + " has version " + f.version()
                        + ", newer than this vmhost knows (1): it was written by a newer vmhost");
            }
            for (Stored s : f.networks()) {
                s.config();  // checks it
                networks.put(s.name(), s);
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new VmhostException(ErrorCode.INTERNAL, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Write, fsync, rename: the file is always the old list or the new one. */
    private void save() {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(Objects.requireNonNull(file.getParent()));
            byte[] bytes = JsonBinding.writePretty(new StoredFile(1, List.copyOf(networks.values())));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
