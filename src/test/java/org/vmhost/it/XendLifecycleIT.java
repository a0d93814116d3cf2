package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmhost.it.XendInstance.IMAGES;
import static org.vmhost.it.XendInstance.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vmhost.it.XendInstance.Result;

/**
 * The real xend and the real xm, driving real QEMU guests from the guest builder: every lifecycle
 * command, as a user types it, checked by what xm list and the guest's console show.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class XendLifecycleIT {
    static XendInstance xend;

    static String pvConfig(String name, String extra) {
        return "# a pv guest: direct kernel boot on microvm\n"
                + PvGuestConfig.named(name).disk("tap:qcow2:" + IMAGES.resolve("pv-disk.qcow2") + ",xvda,r").line(extra).text();
    }

    @BeforeAll
    static void startXend() throws IOException {
        xend = XendInstance.create().start();
    }

    @AfterAll
    static void stopXend() throws IOException {
        if (xend != null) xend.close();
        assertThat(xend.qemuPids()).as("QEMU processes left behind").isEmpty();
    }

    static Optional<String> row(String name) {
        return row(xend, name);
    }

    /** The line of {@code xm list} that shows a domain. */
    static Optional<String> row(XendInstance instance, String name) {
        return instance.xm("list").requireSuccess().out().lines().filter(l -> l.startsWith(name + " ")).findFirst();
    }

    static String uuid(String name) {
        String sxp = xend.xm("list", "-l", name).requireSuccess().out();
        return sxp.replaceAll("(?s).*\\(uuid ([0-9a-f-]+)\\).*", "$1");
    }

    static void awaitConsole(String name, String text) {
        String id = uuid(name);
        await(name + " console to show '" + text + "'", Duration.ofSeconds(60), () -> {
            try {
                return xend.consoleLog(id).contains(text);
            } catch (IOException e) {
                return false;
            }
        });
    }

    @Test
    @Order(1)
    void listShowsDomain0FirstInXensColumns() {
        List<String> lines = xend.xm("list").requireSuccess().out().lines().toList();
        assertThat(lines.get(0)).matches("Name +ID +Mem +VCPUs +State +Time\\(s\\)");
        assertThat(lines.get(1)).matches("Domain-0 +0 +\\d+ +\\d+ +r----- +[0-9.]+");
    }

    @Test
    @Order(2)
    void createBootsAPvGuestThatShowsAsRunningAndReachesItsReadinessLine() throws IOException {
        Path cfg = xend.config("pv1.cfg", pvConfig("pv1", ""));
        Result r = xend.xm("create", cfg.toString()).requireSuccess();
        assertThat(r.out()).contains("Started domain pv1 (id=");
        assertThat(row("pv1")).hasValueSatisfying(l -> assertThat(l).matches("pv1 +\\d+ +256 +1 +(r-----|-b----) +[0-9.]+"));
        awaitConsole("pv1", "vmhost-guest: ready");
        assertThat(xend.xm("domid", "pv1").requireSuccess().out().strip()).matches("\\d+");
    }

    @Test
    @Order(3)
    void aConfigByBareNameIsFoundInTheConfigDirectory() throws IOException {
        xend.config("pv2.cfg", pvConfig("pv2", ""));
        xend.xm("create", "-p", "pv2.cfg").requireSuccess();
        assertThat(row("pv2")).hasValueSatisfying(l -> assertThat(l).contains("--p---"));
        xend.xm("destroy", "pv2").requireSuccess();
        assertThat(row("pv2")).isEmpty();
    }

    @Test
    @Order(4)
    void pauseAndUnpauseShowInTheStateColumn() {
        xend.xm("pause", "pv1").requireSuccess();
        assertThat(row("pv1")).hasValueSatisfying(l -> assertThat(l).contains("--p---"));
        Result again = xend.xm("pause", "pv1");
        assertThat(again.exit()).isNotZero();
        assertThat(again.err()).isEqualTo("Error: cannot pause domain 'pv1': it is paused\n");
        xend.xm("unpause", "pv1").requireSuccess();
        assertThat(row("pv1")).hasValueSatisfying(l -> assertThat(l).containsPattern("r-----|-b----"));
    }

    @Test
    @Order(5)
    void renameKeepsTheGuestRunningUnderItsNewName() {
        xend.xm("rename", "pv1", "pv1-renamed").requireSuccess();
        assertThat(row("pv1")).isEmpty();
        assertThat(row("pv1-renamed")).isPresent();
        xend.xm("rename", "pv1-renamed", "pv1").requireSuccess();
    }

    @Test
    @Order(6)
    void xendKilledWithSigkillLeavesTheGuestRunningAndTheNextXendAdoptsIt() throws Exception {
        List<Long> qemus = xend.qemuPids();
        assertThat(qemus).hasSize(1);
        ProcessHandle.of(xend.xendPid()).orElseThrow().destroyForcibly();
        await("xend to die", Duration.ofSeconds(10), () -> xend.xm("list").exit() != 0);
        Result down = xend.xm("list");
        assertThat(down.err()).startsWith("Error: Unable to connect to xend").contains("Is xend running?");
        assertThat(xend.qemuPids()).isEqualTo(qemus);

        // xend answers before it has spoken to the guest's QEMU again (held 4 s here): xm list shows the guest with its
        // id as re-attaching, never as shut off, and an action on it waits for the re-attach.
        xend.startWith("-Dvmhost.fault.beforeReattach=4000");
        Result early = xend.xm("list");
        assertThat(early.exit()).isZero();
        assertThat(early.out()).containsPattern("(?m)^pv1 +\\d+ +\\d+ +\\d+ +------ ");
        assertThat(early.err()).contains("re-attaching to pv1");
        assertThat(xend.xm("list", "--state=reattaching").requireSuccess().out()).contains("pv1");
        xend.xm("pause", "pv1").requireSuccess();
        assertThat(row("pv1")).hasValueSatisfying(l -> assertThat(l).containsPattern("--p---"));
        assertThat(xend.xm("list").requireSuccess().err()).doesNotContain("re-attaching");
        assertThat(xend.qemuPids()).isEqualTo(qemus);
        xend.xm("unpause", "pv1").requireSuccess();
        assertThat(row("pv1")).hasValueSatisfying(l -> assertThat(l).containsPattern("r-----|-b----"));
    }

    @Test
    @Order(7)
    void shutdownWaitsForTheGuestToPowerItselfOff() {
        xend.xm("shutdown", "-w", "pv1").requireSuccess();
        assertThat(row("pv1")).isEmpty();
        assertThat(xend.qemuPids()).isEmpty();
    }

    @Test
    @Order(8)
    void aManagedDomainIsDefinedStartedStoppedAndDeleted() throws IOException {
        Path cfg = xend.config("m1.cfg", pvConfig("m1", ""));
        xend.xm("new", cfg.toString()).requireSuccess();
        assertThat(row("m1")).hasValueSatisfying(l -> assertThat(l).matches("m1 +256 +1 +------ +0\\.0"));
        xend.xm("start", "m1").requireSuccess();
        assertThat(row("m1")).hasValueSatisfying(l -> assertThat(l).containsPattern("r-----|-b----"));
        Result busy = xend.xm("delete", "m1");
        assertThat(busy.exit()).isNotZero();
        assertThat(busy.err()).isEqualTo("Error: cannot delete domain 'm1': it is running\n");
        xend.xm("destroy", "m1").requireSuccess();
        assertThat(row("m1")).hasValueSatisfying(l -> assertThat(l).contains("------"));
        xend.xm("delete", "m1").requireSuccess();
        assertThat(row("m1")).isEmpty();
    }

    @Test
    @Order(9)
    void aConfigErrorNamesFileAndLineAndCreatesNothing() throws IOException {
        Path cfg = xend.config("bad.cfg", "name = \"bad\"\nmemory = 'lots'\n");
        Result r = xend.xm("create", cfg.toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).isEqualTo("Error: " + cfg + ":2: memory: expected a number of MiB, got 'lots'\n");
        assertThat(row("bad")).isEmpty();
    }

    @Test
    @Order(10)
    void aMissingDiskIsRefusedBeforeAnythingStarts() throws IOException {
        Path cfg = xend.config("nodisk.cfg", pvConfig("nodisk", "").replace(IMAGES.resolve("pv-disk.qcow2").toString(), "/nonexistent/disk.qcow2"));
        Result r = xend.xm("create", cfg.toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).isEqualTo("Error: domain 'nodisk': disk xvda: /nonexistent/disk.qcow2 does not exist\n");
        assertThat(row("nodisk")).isEmpty();
        assertThat(xend.qemuPids()).isEmpty();
    }

    @Test
    @Order(11)
    void aStartThatQemuRefusesLeavesNothingBehind() throws IOException {
        Path notAnImage = Files.writeString(xend.home().resolve("garbage.qcow2"), "not a qcow2 image");
        Path cfg = xend.config("broken.cfg", pvConfig("broken", "").replace(IMAGES.resolve("pv-disk.qcow2").toString(), notAnImage.toString()));
        Result r = xend.xm("create", cfg.toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).startsWith("Error: cannot start domain 'broken': ").contains("qcow2");
        assertThat(row("broken")).isEmpty();
        assertThat(xend.qemuPids()).isEmpty();
        try (var dirs = Files.list(xend.home().resolve("run"))) {
            assertThat(dirs.filter(Files::isDirectory).toList()).isEmpty();
        }
    }
}
