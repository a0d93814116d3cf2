package org.vmhost.security;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vmhost.it.XendInstance;
import org.vmhost.it.XmConsole;

/**
 * Guests confined: a real xend as root, with its HTTP API on a TCP port of the host's loopback, real QEMUs
 * and a real pv guest. The guest on QEMU's user-mode network (asked for with {@code type=user}) tries the
 * host's API and another guest's VNC server through 10.0.2.2, which unrestricted user-mode networking maps
 * to the host's 127.0.0.1, and gets nothing; QEMU runs as vmhost-qemu under its seccomp filter; a start that
 * asks for a bridge that cannot be made fails saying why and leaves no tap or QEMU; and two networks whose
 * bridges differ only in {@code .} and {@code -} keep their own nftables rules.
 */
@Tag("security")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuestConfinementIT {
    static final Path IMAGES = XendInstance.IMAGES;
    static final String SUFFIX = Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xefff));
    static XendInstance xend;
    static int apiPort;

    @BeforeAll
    static void startXend() throws IOException {
        xend = XendInstance.withBridges();
        apiPort = freePort();
        xend.xend("start", "--port", Integer.toString(apiPort)).requireSuccess();
    }

    @AfterAll
    static void stopXend() throws Exception {
        if (xend != null) xend.close();
        for (String br : List.of("vmcf." + SUFFIX, "vmcf-" + SUFFIX)) {
            if (Files.exists(Path.of("/sys/class/net", br))) run("ip", "link", "del", "dev", br);
            run("nft", "delete", "table", "inet", "vmhost_vmcf_" + (br.contains(".") ? "2e" : "2d") + "_" + SUFFIX);
        }
    }

    static String pv(String name, String vifs) {
        return """
                name = "%s"
                type = "pv"
                memory = 256
                kernel = "%s"
                ramdisk = "%s"
                extra = "console=ttyS0 quiet"
                disk = [ 'tap:qcow2:%s,xvda,r' ]
                vif = [ %s ]
                """.formatted(name, IMAGES.resolve("vmlinuz"), IMAGES.resolve("initrd.img"),
                IMAGES.resolve("pv-disk.qcow2"), vifs);
    }

    @Test
    @Order(1)
    void aGuestOnUserModeNetworkingReachesNeitherTheHostsApiNorAnotherGuestsVnc() throws Exception {
        // Another domain with a VNC server on the host's loopback (TCP needs a password now), paused: its QEMU
        // serves VNC whatever the guest does.
        int display = freePort(5900 + 100 + ThreadLocalRandom.current().nextInt(400)) - 5900;
        xend.xm("create", "-p", xend.config("v.cfg", """
                builder = 'hvm'
                name = 'v'
                memory = 64
                vnclisten = '127.0.0.1'
                vncdisplay = %d
                vncunused = 0
                vncpasswd = 'not-for-guests'
                """.formatted(display)).toString()).requireSuccess();
        // From the host both answer: the API to a client with xend's token, VNC with its banner.
        String token = java.nio.file.Files.readString(xend.home().resolve("api.token")).strip();
        assertThat(httpGet("127.0.0.1", apiPort, "/api/v1/domains", token)).startsWith("HTTP/1.1 200").contains("\"v\"");
        assertThat(banner("127.0.0.1", 5900 + display)).startsWith("RFB ");

        xend.xm("create", xend.config("g.cfg", pv("g", "'type=user,model=virtio'")).toString()).requireSuccess();
        try (XmConsole g = XmConsole.open(xend, "g")) {
            g.awaitText("vmhost-guest: ready", Duration.ofSeconds(120));
            // QEMU's user-mode network works: its DHCP server gave the guest its address.
            g.awaitText("vmhost-guest: eth0 ip 10.0.2.15/24", Duration.ofSeconds(60));
            // What nc receives goes to a file, whose size is printed; its complaints come to the console.
            g.type("printf 'GET /api/v1/domains HTTP/1.0\\r\\n\\r\\n' | nc -w 5 10.0.2.2 " + apiPort
                    + " > /tmp/api.out; echo api-rc=$? api-bytes=$(wc -c < /tmp/api.out)\n");
            // The results, not the command's echo: keys typed before the shell starts are echoed by the tty at once.
            g.awaitMatch("api-rc=[0-9]+ api-bytes=[0-9]+", Duration.ofSeconds(60));
            g.type("echo | nc -w 5 10.0.2.2 " + (5900 + display) + " > /tmp/vnc.out; "
                    + "echo vnc-rc=$? vnc-bytes=$(wc -c < /tmp/vnc.out); cat /tmp/api.out /tmp/vnc.out\n");
            g.awaitMatch("vnc-rc=[0-9]+ vnc-bytes=[0-9]+", Duration.ofSeconds(60));
            String seen = g.text();
            assertThat(seen).doesNotContain("HTTP/1.1", "RFB 0")
                    .containsPattern("api-rc=[1-9][0-9]* api-bytes=0").containsPattern("vnc-rc=[1-9][0-9]* vnc-bytes=0");
        }
        // The record says what the vif is.
        assertThat(xend.xm("network-list", "g").requireSuccess().out().lines().skip(1).findFirst().orElseThrow())
                .endsWith("user-mode");
    }

    @Test
    @Order(2)
    void qemuRunsAsTheUnprivilegedUserUnderItsSeccompFilter() throws Exception {
        List<Long> pids = xend.qemuPids();
        assertThat(pids).as("QEMUs of this xend").isNotEmpty();
        String uid = run("id", "-u", "vmhost-qemu").strip();
        assertThat(xend.xm("info").requireSuccess().out())
                .containsPattern("confinement +: QEMU runs as vmhost-qemu \\(uid " + uid + "\\) under its seccomp filter");
        for (long pid : pids) {
            Map<String, String> status = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(l -> l.contains(":")).collect(Collectors.toMap(l -> l.substring(0, l.indexOf(':')),
                            l -> l.substring(l.indexOf(':') + 1).strip(), (a, b) -> a));
            assertThat(status.get("Uid").split("\\s+")).as("real, effective, saved and file-system uid of " + pid)
                    .containsOnly(uid);
            assertThat(status.get("Seccomp")).as("seccomp mode of " + pid).isEqualTo("2");
            assertThat(status.get("NoNewPrivs")).isEqualTo("1");
            assertThat(status.get("CapEff")).as("no capability left").matches("0+");
        }
        // The default VNC display is a UNIX socket in the root-only run directory, no TCP port.
        xend.xm("create", "-p", xend.config("u.cfg", "builder = 'hvm'\nname = 'u'\nmemory = 64\n").toString())
                .requireSuccess();
        long pid = xend.qemuPids().stream().filter(p -> !pids.contains(p)).findFirst().orElseThrow();
        String argv = String.join(" ", ProcessHandle.of(pid).orElseThrow().info().arguments().orElseThrow());
        assertThat(argv).containsPattern("-vnc unix:" + xend.home() + "/run/[0-9a-f-]+/vnc.sock").doesNotContain("127.0.0.1:");
        Path sock = Path.of(argv.replaceFirst(".*-vnc unix:(\\S+).*", "$1"));
        assertThat(sock).exists();
        assertThat(Files.getPosixFilePermissions(sock.getParent())).as("the run directory " + sock.getParent())
                .hasToString("[OWNER_READ, OWNER_WRITE, OWNER_EXECUTE]");
        xend.xm("destroy", "u").requireSuccess();

        // A disk hot-plugged after QEMU dropped root is lent to its user while the domain uses it, then given back.
        Path image = xend.home().resolve("lent.raw");
        run("qemu-img", "create", "-q", "-f", "raw", image.toString(), "1M");
        run("chown", "65534:65534", image.toString());
        xend.xm("block-attach", "v", "file:" + image, "xvdb", "w").requireSuccess();
        assertThat(Files.getAttribute(image, "unix:uid")).as("owner while attached").isEqualTo(Integer.parseInt(uid));
        xend.xm("destroy", "v").requireSuccess();
        assertThat(Files.getAttribute(image, "unix:uid")).as("owner once the domain is gone").isEqualTo(65534);
        assertThat(Files.getAttribute(image, "unix:gid")).isEqualTo(65534);
        xend.xm("destroy", "g").requireSuccess();
    }

    @Test
    @Order(3)
    void aStartAskingForABridgeThatCannotBeMadeFailsSayingWhyAndLeavesNoTapOrQemu() throws Exception {
        String tap = "vmcfb" + SUFFIX;
        // "lo" exists but is no bridge: the tap cannot join it. Before, the vif fell back to user-mode networking.
        XendInstance.Result r = xend.xm("create", xend.config("b.cfg", pv("b", "'bridge=lo,vifname=" + tap + "'")).toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("cannot start domain 'b'").contains("lo exists on this host but is not a bridge");
        assertThat(xend.qemuPids()).isEmpty();
        assertThat(Path.of("/sys/class/net", tap)).doesNotExist();
        assertThat(xend.xm("list").requireSuccess().out()).doesNotContain("\nb ");
        assertThat(xend.xm("log").requireSuccess().out()).doesNotContain("network-fallback");
    }

    @Test
    @Order(4)
    void networksWhoseBridgesDifferOnlyInPunctuationKeepTheirOwnRules() throws Exception {
        String dotted = "vmcf." + SUFFIX;
        String dashed = "vmcf-" + SUFFIX;
        xend.xm("net-create", "dot" + SUFFIX, "--type", "isolated", "--bridge", dotted).requireSuccess();
        xend.xm("net-create", "dash" + SUFFIX, "--type", "isolated", "--bridge", dashed).requireSuccess();
        assertThat(run("nft", "list", "ruleset")).contains("oifname \"" + dotted + "\" drop", "oifname \"" + dashed + "\" drop");

        xend.xm("net-delete", "dot" + SUFFIX).requireSuccess();

        String rules = run("nft", "list", "ruleset");
        assertThat(rules).as("the other network's isolation").contains("oifname \"" + dashed + "\" drop")
                .doesNotContain("\"" + dotted + "\"");
        xend.xm("net-delete", "dash" + SUFFIX).requireSuccess();
        assertThat(run("nft", "list", "ruleset")).doesNotContain("\"" + dashed + "\"");
    }

    // ---- helpers ---------------------------------------------------------------------------------

    static String httpGet(String host, int port, String path, String token) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\nAuthorization: Bearer " + token
                    + "\r\n\r\n").getBytes(ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), ISO_8859_1);
        }
    }

    static String banner(String host, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setSoTimeout(10_000);
            byte[] b = new byte[12];
            int n = s.getInputStream().readNBytes(b, 0, b.length);
            return new String(b, 0, n, ISO_8859_1);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The first port from {@code from} that is free on every address. */
    static int freePort(int from) throws IOException {
        for (int p = from; p < 65535; p++) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), p));
                return p;
            } catch (IOException taken) {
                // next
            }
        }
        throw new IOException("no free port from " + from);
    }

    static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    /** {@code xm console} read and typed into through pipes. */
}
