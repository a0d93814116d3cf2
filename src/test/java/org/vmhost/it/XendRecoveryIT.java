package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmhost.it.XendInstance.await;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What happens to guests when xend dies or is away: a start cut short leaves nothing half made, a guest
 * that ended meanwhile is settled by its on_poweroff, and autostart domains come up with xend.
 */
class XendRecoveryIT {
    XendInstance xend;

    @BeforeEach
    void newHome() throws IOException {
        xend = XendInstance.create();
    }

    @AfterEach
    void cleanUp() throws IOException {
        xend.close();
        assertThat(xend.qemuPids()).as("QEMU processes left behind").isEmpty();
    }

    private List<Path> domainRunDirs() throws IOException {
        try (var dirs = Files.list(xend.home().resolve("run"))) {
            return dirs.filter(Files::isDirectory).toList();
        }
    }

    private void killXendDuringStartAt(String faultPoint) throws Exception {
        xend.startWith("-Dvmhost.fault." + faultPoint + "=60000");
        Path cfg = xend.config("slow.cfg", XendLifecycleIT.pvConfig("slow", ""));
        Process create = xend.xmAsync("create", cfg.toString());
        await("QEMU of the start in flight", Duration.ofSeconds(30), () -> !xend.qemuPids().isEmpty());
        Thread.sleep(300); // well inside the 60 s pause
        ProcessHandle.of(xend.xendPid()).orElseThrow().destroyForcibly();
        assertThat(create.waitFor()).as("xm create's exit status").isNotZero();

        xend.start();
        assertThat(xend.xm("list").requireSuccess().out()).doesNotContain("slow");
        await("the half-started QEMU to be killed", Duration.ofSeconds(20), () -> xend.qemuPids().isEmpty());
        xend.awaitRecovery(); // the sweep removes the run directory after it has killed the QEMU
        assertThat(domainRunDirs()).isEmpty();
        assertThat(xend.schedulerGroups()).as("the killed QEMU's cgroup").isEmpty();
        assertThat(xend.xm("log").requireSuccess().out()).doesNotContain("reattached");
    }

    @Test
    void xendKilledAfterQemuStartedButBeforeItWasRecordedLeavesNothingBehind() throws Exception {
        killXendDuringStartAt("afterLaunch");
    }

    @Test
    void xendKilledAfterTheStartWasRecordedLeavesNothingBehind() throws Exception {
        killXendDuringStartAt("beforeRun");
        assertThat(xend.xm("log").requireSuccess().out()).contains("start-interrupted");
    }

    @Test
    void aGuestThatPoweredOffWhileXendWasAwayIsSettledByItsOnPoweroff() throws Exception {
        xend.start();
        Path cfg = xend.config("away.cfg", XendLifecycleIT.pvConfig("away", ""));
        xend.xm("create", cfg.toString()).requireSuccess();
        String uuid = xend.xm("list", "-l", "away").requireSuccess().out().replaceAll("(?s).*\\(uuid ([0-9a-f-]+)\\).*", "$1");
        await("away to boot", Duration.ofSeconds(60), () -> log(uuid).contains("vmhost-guest: ready"));
        xend.xend("stop").requireSuccess();
        // xend logs to its shutdown hook's end, and the JDK's logging closes no file under it (XendLogManager).
        assertThat(Files.readString(xend.home().resolve("log/xend.log"))).contains("Daemon: xend stopped");
        assertThat(Files.readString(xend.home().resolve("log/xend.out"))).as("xend.out")
                .doesNotContain("Exception").doesNotContain("\tat ");

        // With xend gone, QMP is free: press the power button ourselves, as a guest-initiated poweroff.
        Path qmp = xend.home().resolve("run").resolve(uuid).resolve("qmp.sock");
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(qmp));
            ch.write(ByteBuffer.wrap("{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"system_powerdown\"}\n"
                    .getBytes(StandardCharsets.UTF_8)));
            await("the guest to power off", Duration.ofSeconds(30), () -> log(uuid).contains("powering off"));
        }
        Thread.sleep(1000);
        assertThat(xend.qemuPids()).as("-no-shutdown keeps QEMU until xend decides").hasSize(1);

        xend.start();
        await("on_poweroff=destroy to remove it", Duration.ofSeconds(20), () -> xend.qemuPids().isEmpty());
        xend.awaitRecovery(); // the domain is removed after its QEMU has ended
        assertThat(xend.xm("list").requireSuccess().out()).doesNotContain("away");
        assertThat(xend.xm("log").requireSuccess().out()).contains("the guest powered off while xend was away");
    }

    @Test
    void aKilledQemuIsReportedAsACrashAndOnCrashDestroyRemovesTheDomain() throws Exception {
        xend.start();
        Path cfg = xend.config("victim.cfg", XendLifecycleIT.pvConfig("victim", "on_crash = 'destroy'"));
        xend.xm("create", cfg.toString()).requireSuccess();
        List<Long> pids = xend.qemuPids();
        assertThat(pids).hasSize(1);
        ProcessHandle.of(pids.get(0)).orElseThrow().destroyForcibly();
        await("the crash to be handled", Duration.ofSeconds(20),
                () -> !xend.xm("list").requireSuccess().out().contains("victim"));
        assertThat(xend.xm("log").requireSuccess().out()).containsPattern("crashed .*victim.*QEMU ended unexpectedly");
    }

    @Test
    void aGuestWhoseStoredDefinitionNoLongerReadsKeepsRunningIsListedWithItsErrorAndCanBeDestroyed() throws Exception {
        xend.start();
        Path cfg = xend.config("odd.cfg", XendLifecycleIT.pvConfig("odd", ""));
        xend.xm("new", cfg.toString()).requireSuccess();
        xend.xm("start", "odd").requireSuccess();
        List<Long> pids = xend.qemuPids();
        assertThat(pids).hasSize(1);
        xend.xend("stop").requireSuccess();

        // What an older or newer xend, or a hand edit, may leave: a definition this xend cannot read.
        try (var db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + xend.home().resolve("xend.db"));
             var update = db.prepareStatement("UPDATE domain SET config_text = ? WHERE name = 'odd'")) {
            update.setString(1, "name = 'odd'\nmemory = 'a lot'\nkernel = \n");
            assertThat(update.executeUpdate()).isEqualTo(1);
        }

        xend.start();
        await("xend's re-attach to end", Duration.ofSeconds(30), () -> !xend.xm("list").err().contains("re-attaching"));
        Thread.sleep(1000); // the sweep of stray QEMUs follows the re-attach; kills take a moment
        assertThat(xend.qemuPids()).as("the guest xend cannot understand still runs").containsExactlyElementsOf(pids);
        XendInstance.Result list = xend.xm("list").requireSuccess();
        assertThat(list.out()).containsPattern("(?m)^odd +\\d+ ");
        assertThat(list.err()).contains("odd").contains("no longer reads");
        assertThat(xend.xm("pause", "odd").err()).as("an operation that needs QEMU's control").contains("no longer reads");

        xend.xm("destroy", "odd").requireSuccess();
        await("its QEMU to be killed", Duration.ofSeconds(20), () -> xend.qemuPids().isEmpty());
        assertThat(domainRunDirs()).isEmpty();
        xend.xm("delete", "odd").requireSuccess();
        assertThat(xend.xm("list").requireSuccess().out()).doesNotContain("odd");
    }

    @Test
    void domainsInTheAutoDirectoryStartWithXend() throws Exception {
        Path auto = Files.createDirectories(xend.home().resolve("auto"));
        Files.writeString(auto.resolve("auto1.cfg"), XendLifecycleIT.pvConfig("auto1", ""));
        xend.start();
        await("auto1 to be started", Duration.ofSeconds(30),
                () -> xend.xm("list").requireSuccess().out().lines().anyMatch(l -> l.matches("auto1 +\\d+ .*(r-----|-b----).*")));
    }

    private String log(String uuid) {
        try {
            return xend.consoleLog(uuid);
        } catch (IOException e) {
            return "";
        }
    }
}
