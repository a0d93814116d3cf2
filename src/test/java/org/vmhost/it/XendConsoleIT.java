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

    @Test
    @Order(4)
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
    @Order(5)
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
    @Order(6)
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
