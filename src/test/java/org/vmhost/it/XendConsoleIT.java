package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmhost.it.XendInstance.IMAGES;
import static org.vmhost.it.XendInstance.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code xm console} as a script or expect uses it (no terminal), the hvm guest booted from its own disk
 * through SeaBIOS, and the guest-driven ends of a domain: reboot, reset, panic.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class XendConsoleIT {
    static XendInstance xend;


    static XmConsole console(String domain) throws IOException {
        return XmConsole.open(xend, domain);
    }

    @BeforeAll
    static void startXend() throws IOException {
        xend = XendInstance.create().start();
        xend.xm("create", xend.config("c1.cfg", XendLifecycleIT.pvConfig("c1", "")).toString()).requireSuccess();
    }

    @AfterAll
    static void stopXend() throws IOException {
        xend.close();
        assertThat(xend.qemuPids()).as("QEMU processes left behind").isEmpty();
    }

    @Test
    @Order(1)
    void aLateAttachShowsTheBootThenCarriesKeystrokesAndCtrlBracketDetaches() throws Exception {
        try (XmConsole c = console("c1")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(60));
            assertThat(c.text()).contains("vmhost-guest: kernel");
            c.type("echo sum-$((40+2))\n");
            c.awaitText("sum-42", Duration.ofSeconds(20));
            c.type("\u001d");
            assertThat(c.process.waitFor(10, TimeUnit.SECONDS)).as("xm console detached").isTrue();
            assertThat(c.process.exitValue()).isZero();
        }
        assertThat(XendLifecycleIT.row(xend, "c1")).hasValueSatisfying(l -> assertThat(l).containsPattern("r-----|-b----"));
    }

    @Test
    @Order(2)
    void twoClientsShareOneConsole() throws Exception {
        try (XmConsole a = console("c1"); XmConsole b = console("c1")) {
            a.awaitText("vmhost-guest:", Duration.ofSeconds(30));
            b.awaitText("vmhost-guest:", Duration.ofSeconds(30));
            a.type("echo shared-$((6*7))\n");
            a.awaitText("shared-42", Duration.ofSeconds(20));
            b.awaitText("shared-42", Duration.ofSeconds(20));
        }
    }

    @Test
    @Order(3)
    void theConsoleHistorySurvivesAnXendRestart() throws Exception {
        try (XmConsole c = console("c1")) {
            c.awaitText("vmhost-guest:", Duration.ofSeconds(30));
            c.type("echo before-$((2*50))\n");
            c.awaitText("before-100", Duration.ofSeconds(20));
        }
        xend.xend("restart", "--no-tcp").requireSuccess();
        try (XmConsole c = console("c1")) {
            c.awaitText("before-100", Duration.ofSeconds(30));
            c.type("echo after-$((2*60))\n");
            c.awaitText("after-120", Duration.ofSeconds(20));
        }
    }

    /**
     * QEMU's console has a client only while someone watches, and whoever attaches while the guest prints without a
     * pause gets every line once: the history from the log, then the socket's stream, with nothing lost or doubled at
     * the seam.
     */
    @Test
    @Order(4)
    void theConsoleIsConnectedOnlyWhileWatchedAndAnAttachWhileTheGuestPrintsLosesNoLine() throws Exception {
        Path socket;
        try (var runs = Files.list(xend.home().resolve("run"))) {
            socket = runs.map(r -> r.resolve("console.sock")).filter(Files::exists).findFirst().orElseThrow();
        }
        Path log = xend.home().resolve("log/console").resolve(socket.getParent().getFileName() + ".log");
        await("QEMU's console without a client", Duration.ofSeconds(10), () -> !connected(socket));
        try (XmConsole c = console("c1")) {
            c.awaitText("vmhost-guest", Duration.ofSeconds(30));
            assertThat(connected(socket)).as("QEMU's console has the relay as its client").isTrue();
            c.type("(i=0; while [ $i -lt 1000000 ]; do echo seq-$i; i=$((i+1)); done) &\n");
            c.awaitMatch("seq-[0-9]+\r?\n", Duration.ofSeconds(20));
        }
        await("QEMU's console left by the relay", Duration.ofSeconds(10), () -> !connected(socket));
        long size = Files.size(log);
        await("the guest's output logged while nobody watches", Duration.ofSeconds(10), () -> sizeOf(log) > size + 1000);
        for (int round = 0; round < 4; round++) {
            String text;
            try (XmConsole c = console("c1")) {
                await("numbered lines on the console", Duration.ofSeconds(20), () -> SEQ.matcher(c.text()).results().count() > 3);
                Thread.sleep(500);
                text = c.text();
                if (round == 3) c.type("kill %1\n");
            }
            java.util.regex.Matcher m = SEQ.matcher(text);
            long previous = -1;
            int lines = 0;
            while (m.find()) {
                long n = Long.parseLong(m.group(1));
                if (previous >= 0) assertThat(n).as("round %d: the line after seq-%d", round, previous).isEqualTo(previous + 1);
                previous = n;
                lines++;
            }
            assertThat(lines).as("round %d: lines seen", round).isGreaterThan(10);
            await("QEMU's console left by the relay", Duration.ofSeconds(10), () -> !connected(socket));
        }
    }

    private static final java.util.regex.Pattern SEQ = java.util.regex.Pattern.compile("seq-([0-9]+)\r?\n");

    /** Whether a client is connected to a listening UNIX socket: an accepted socket of that path is in /proc/net/unix. */
    private static boolean connected(Path socket) {
        try {
            return Files.readAllLines(Path.of("/proc/net/unix")).stream()
                    .map(l -> l.trim().split("\\s+"))
                    .anyMatch(f -> f.length >= 8 && f[7].equals(socket.toString()) && f[5].equals("03"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    @Test
    @Order(5)
    void aPanicWithOnCrashPreserveLeavesTheDomainCrashedUntilDestroyed() throws Exception {
        xend.xm("create", xend.config("p1.cfg", XendLifecycleIT.pvConfig("p1", "on_crash = 'preserve'")).toString())
                .requireSuccess();
        try (XmConsole c = console("p1")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(60));
            c.type("echo c > /proc/sysrq-trigger\n");
            await("p1 to show as crashed", Duration.ofSeconds(30),
                    () -> XendLifecycleIT.row(xend, "p1").map(l -> l.contains("----c-")).orElse(false));
        }
        xend.xm("destroy", "p1").requireSuccess();
        assertThat(XendLifecycleIT.row(xend, "p1")).isEmpty();
    }

    @Test
    @Order(6)
    void anHvmGuestBootsFromItsDiskThroughFirmwareAndRebootsAndResets() throws Exception {
        Path disk = xend.home().resolve("hvm1.raw");
        Files.copy(IMAGES.resolve("hvm-disk.raw"), disk);
        xend.xm("create", xend.config("hvm1.cfg", """
                builder = 'hvm'
                name = 'hvm1'
                memory = 256
                disk = [ 'file:%s,hda,w' ]
                vif = [ 'model=virtio' ]
                vnc = 0
                boot = 'c'
                """.formatted(disk)).toString()).requireSuccess();
        try (XmConsole c = console("hvm1")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(120));
            // SeaBIOS talks on the VGA screen; the disk's own boot loader talks on the serial port.
            assertThat(c.text()).contains("SYSLINUX", "Loading /vmlinuz");
            xend.xm("reboot", "-w", "hvm1").requireSuccess();
            await("a second boot after xm reboot", Duration.ofSeconds(120), () -> count(c.text(), "vmhost-guest: ready") >= 2);
            assertThat(c.text()).contains("vmhost-guest: power button, powering off");
            xend.xm("reset", "hvm1").requireSuccess();
            await("a third boot after xm reset", Duration.ofSeconds(120), () -> count(c.text(), "vmhost-guest: ready") >= 3);
        }
        assertThat(XendLifecycleIT.row(xend, "hvm1")).hasValueSatisfying(l -> assertThat(l).containsPattern("r-----|-b----"));
    }

    @Test
    @Order(7)
    void shutdownAllWaitsForEveryGuest() {
        xend.xm("shutdown", "-a", "-w").requireSuccess();
        List<String> rows = xend.xm("list").requireSuccess().out().lines().skip(1).toList();
        assertThat(rows).hasSize(1).allMatch(l -> l.startsWith("Domain-0"));
        assertThat(xend.qemuPids()).isEmpty();
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
        return n;
    }
}
