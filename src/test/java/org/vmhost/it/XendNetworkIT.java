package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmhost.it.XendInstance.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vmhost.it.XendConsoleIT.Console;

/**
 * Guests on real bridges and taps, made by a private xend running as root. Every bridge has a name of its
 * own ({@code vmht<random>}) and is removed by name at the end; all traffic stays on this machine.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class XendNetworkIT {
    static XendInstance xend;
    static final String SUFFIX = Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xefff));
    /** A bridge that no network names yet: xend makes it when the first vif asks for it. */
    static final String SHARED = "vmhtb" + SUFFIX;
    static final List<String> BRIDGES = new ArrayList<>(List.of(SHARED));

    @BeforeAll
    static void startXend() throws IOException {
        xend = XendInstance.withBridges().start();
    }

    @AfterAll
    static void stopXend() throws IOException {
        if (xend != null) xend.close();
        for (String br : BRIDGES) {
            if (Files.exists(Path.of("/sys/class/net", br))) run("ip", "link", "del", "dev", br);
        }
    }

    static Console console(String domain) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(XendInstance.PROJECT.resolve("bin/xm").toString(), "console", domain)
                .redirectErrorStream(true);
        pb.environment().put("VMHOST_HOME", xend.home().toString());
        return new Console(pb.start());
    }

    static String pv(String name, String vifs) {
        return XendLifecycleIT.pvConfig(name, "vif = [ " + vifs + " ]");
    }

    /** Types a command and waits for the marker it prints when it succeeds. */
    static void expect(Console c, String command, String marker, Duration timeout) throws IOException {
        c.type(command + " && echo " + marker.replace("-", "-''") + "\n");
        c.awaitText(marker, timeout);
    }

    @Test
    @Order(1)
    void twoGuestsOnOneBridgePingEachOther() throws Exception {
        xend.xm("create", xend.config("a.cfg", pv("a", "'bridge=" + SHARED + ",mac=00:16:3e:0a:00:01'")).toString())
                .requireSuccess();
        xend.xm("create", xend.config("b.cfg", pv("b", "'bridge=" + SHARED + ",model=virtio'")).toString())
                .requireSuccess();
        String domidA = xend.xm("domid", "a").requireSuccess().out().strip();
        String domidB = xend.xm("domid", "b").requireSuccess().out().strip();
        // The taps are vif<domid>.<devid>, on the bridge xend made because the vif asked for it.
        assertThat(ports(SHARED)).containsExactlyInAnyOrder("vif" + domidA + ".0", "vif" + domidB + ".0");
        try (Console a = console("a"); Console b = console("b")) {
            a.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
            b.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
            assertThat(a.text()).contains("eth0(00:16:3e:0a:00:01)");
            assertThat(b.text()).containsPattern("eth0\\(00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}\\)");
            a.type("killall udhcpc; ip addr add 10.231.0.11/24 dev eth0\n");
            b.type("killall udhcpc; ip addr add 10.231.0.12/24 dev eth0\n");
            expect(a, "ping -c 3 -W 5 10.231.0.12", "ping-a-ok", Duration.ofSeconds(60));
            expect(b, "ping -c 3 -W 5 10.231.0.11", "ping-b-ok", Duration.ofSeconds(60));
        }
        xend.xm("destroy", "a").requireSuccess();
        xend.xm("destroy", "b").requireSuccess();
        assertThat(ports(SHARED)).as("taps left on the bridge").isEmpty();
        assertThat(Path.of("/sys/class/net/vif" + domidA + ".0")).doesNotExist();
    }

    static List<String> ports(String bridge) throws IOException {
        Path dir = Path.of("/sys/class/net", bridge, "brif");
        if (!Files.isDirectory(dir)) return List.of();
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    static String run(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return out;
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
