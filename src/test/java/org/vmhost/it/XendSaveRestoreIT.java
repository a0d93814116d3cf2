package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmhost.it.XendInstance.IMAGES;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code xm save} and {@code xm restore} against real pv guests: a value the guest's shell holds in memory before
 * the save is read back after the restore, its uptime runs on, and the domain comes back with its name, UUID and
 * MAC; {@code -c} leaves it running; {@code -p} keeps it paused. Every bad save file (not one, truncated, damaged,
 * from another QEMU, its disk gone, its name taken, left by a save cut short) is refused with the reason before any
 * QEMU starts, and leaves nothing behind.
 */
class XendSaveRestoreIT {
    static XendInstance xend;
    static Path work;

    @BeforeAll
    static void startXend() throws IOException {
        xend = XendInstance.create().start();
        work = Files.createDirectories(xend.home().resolve("saves"));
    }

    @AfterAll
    static void stopXend() throws IOException {
        if (xend != null) xend.close();
        assertThat(xend.qemuPids()).as("QEMU processes left behind").isEmpty();
    }

    static String pv(String name, Path disk) {
        return PvGuestConfig.named(name).kernelArgs("vmhost.dhcp=0").disk("tap:qcow2:" + disk + ",xvda,w")
                .line("vif = [ 'type=user' ]").line("on_poweroff = 'destroy'").text();
    }

    static Path qcow2(String name) {
        Path p = work.resolve(name);
        HostDisks.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", p.toString(), "16M"));
        return p;
    }

    /** Boots a transient pv guest and puts {@code value} into its shell's memory. */
    static void bootWithValue(String name, String value) throws IOException {
        xend.xm("create", xend.config(name + ".cfg", pv(name, qcow2(name + ".qcow2"))).toString()).requireSuccess();
        try (XmConsole c = XmConsole.open(xend, name)) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(120));
            c.type("KEPT=" + value + "; echo set-$KEPT\n");
            c.awaitText("set-" + value, Duration.ofSeconds(30));
        }
    }

    /** The guest's shell variable and uptime, read through a new console: {@code got-VALUE up-SECONDS}. */
    static double readBack(String name, String value) throws IOException {
        try (XmConsole c = XmConsole.open(xend, name)) {
            c.type("\necho got-$KEPT up-$(cut -d' ' -f1 /proc/uptime)-end\n");
            c.awaitMatch("got-" + value + " up-[0-9.]+-end", Duration.ofSeconds(60));
            Matcher m = Pattern.compile("got-" + value + " up-([0-9.]+)-end").matcher(c.text());
            assertThat(m.find()).isTrue();
            return Double.parseDouble(m.group(1));
        }
    }

    static double uptime(String name) throws IOException {
        try (XmConsole c = XmConsole.open(xend, name)) {
            c.type("\necho up2-$(cut -d' ' -f1 /proc/uptime)-end\n");
            c.awaitMatch("up2-[0-9.]+-end", Duration.ofSeconds(60));
            Matcher m = Pattern.compile("up2-([0-9.]+)-end").matcher(c.text());
            assertThat(m.find()).isTrue();
            return Double.parseDouble(m.group(1));
        }
    }

    static String longList(String name) {
        return xend.xm("list", "-l", name).requireSuccess().out();
    }

    static String field(String sxp, String key) {
        Matcher m = Pattern.compile("\\(" + key + " ([^)]+)\\)").matcher(sxp);
        assertThat(m.find()).as(key + " in " + sxp).isTrue();
        return m.group(1);
    }

    static List<String> streamDirs() throws IOException {
        try (var s = Files.list(xend.home().resolve("run"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("stream-")).toList();
        }
    }

    @Test
    void aSavedGuestComesBackWithItsMemoryNameUuidAndMacAndItsUptimeRunsOn() throws Exception {
        bootWithValue("sr1", "sr1-7731");
        try (XmConsole c = XmConsole.open(xend, "sr1")) {
            // A guest counting on its console, once a second.
            c.type("(i=0; while :; do i=$((i+1)); echo tick-$i-end; sleep 1; done) &\n");
            c.awaitText("tick-3-end", Duration.ofSeconds(30));
            // Given 160 of its 256 MiB: the balloon travels in the saved state, and xm list shows it after the restore.
            xend.xm("mem-set", "sr1", "160").requireSuccess();
            int[] n = {0};
            XendInstance.await("the guest to give memory back", Duration.ofSeconds(60), () -> c.memTotal(++n[0]) < 200 * 1024);
        }
        double before = uptime("sr1");
        String sxp = longList("sr1");
        String uuid = field(sxp, "uuid");
        String mac = xend.xm("network-list", "sr1").requireSuccess().out();
        Matcher macMatch = Pattern.compile("00:16:3e(:[0-9a-f]{2}){3}").matcher(mac);
        assertThat(macMatch.find()).as(mac).isTrue();
        Path file = work.resolve("sr1.save");

        xend.xm("save", "sr1", file.toString()).requireSuccess();
        assertThat(file).exists();
        assertThat(Files.getPosixFilePermissions(file).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
        assertThat(xend.xm("list").requireSuccess().out()).doesNotContain("sr1");
        assertThat(xend.qemuPids()).isEmpty();
        assertThat(streamDirs()).isEmpty();
        try (var s = Files.list(work)) {
            assertThat(s.map(Path::toString).filter(n -> n.contains(".partial-")).toList()).isEmpty();
        }
        Matcher ticks = Pattern.compile("tick-([0-9]+)-end").matcher(xend.consoleLog(uuid));
        int lastTick = 0;
        while (ticks.find()) lastTick = Math.max(lastTick, Integer.parseInt(ticks.group(1)));
        assertThat(lastTick).as("ticks before the save").isGreaterThanOrEqualTo(3);

        XendInstance.Result restored = xend.xm("restore", file.toString()).requireSuccess();
        assertThat(restored.out()).contains("sr1");
        try (XmConsole c = XmConsole.open(xend, "sr1")) {
            // The count goes on from where the save stopped it, not from 1 (as a new boot would).
            c.awaitText("tick-" + (lastTick + 2) + "-end", Duration.ofSeconds(60));
        }
        double after = readBack("sr1", "sr1-7731");
        assertThat(after).as("uptime runs on from where it was").isGreaterThanOrEqualTo(before);
        assertThat(field(longList("sr1"), "uuid")).isEqualTo(uuid);
        assertThat(xend.xm("network-list", "sr1").requireSuccess().out()).contains(macMatch.group());
        assertThat(xend.xm("list", "sr1").requireSuccess().out()).containsPattern("sr1 .* r-----|sr1 .* -b----")
                .containsPattern("sr1 +[0-9]+ +160 ");
        assertThat(xend.xm("log").requireSuccess().out()).contains("saved to " + file, "restored from " + file);
        xend.xm("destroy", "sr1").requireSuccess();
    }

    @Test
    void aCheckpointLeavesTheGuestRunningAndARestoreIsRefusedWhileItsNameIsTakenThenPausedWithP() throws Exception {
        bootWithValue("sr2", "sr2-4242");
        Path file = work.resolve("sr2.save");
        Path notes = Files.writeString(work.resolve("notes.txt"), "not a save file");
        XendInstance.Result clobber = xend.xm("save", "-c", "sr2", notes.toString());
        assertThat(clobber.exit()).isNotZero();
        assertThat(clobber.err()).contains("notes.txt", "is not a vmhost save file");
        assertThat(Files.readString(notes)).isEqualTo("not a save file");
        xend.xm("save", "-c", "sr2", file.toString()).requireSuccess();
        assertThat(file).exists();
        readBack("sr2", "sr2-4242"); // still running, memory intact
        assertThat(xend.xm("list", "sr2").requireSuccess().out()).doesNotContain("--p---");

        int qemus = xend.qemuPids().size();
        XendInstance.Result taken = xend.xm("restore", file.toString());
        assertThat(taken.exit()).isNotZero();
        assertThat(taken.err()).contains("sr2").containsAnyOf("taken", "has its UUID");
        assertThat(xend.qemuPids()).hasSize(qemus);

        xend.xm("destroy", "sr2").requireSuccess();
        xend.xm("restore", "-p", file.toString()).requireSuccess();
        assertThat(xend.xm("list", "sr2").requireSuccess().out()).contains("--p---");
        xend.xm("unpause", "sr2").requireSuccess();
        readBack("sr2", "sr2-4242");
        xend.xm("destroy", "sr2").requireSuccess();
    }

    @Test
    void badSaveFilesAreRefusedWithTheReasonBeforeAnyQemuStarts() throws Exception {
        bootWithValue("sr3", "sr3-1");
        Path good = work.resolve("sr3.save");
        xend.xm("save", "sr3", good.toString()).requireSuccess();
        byte[] bytes = Files.readAllBytes(good);

        Path notOne = Files.writeString(work.resolve("not-a-save"), "name = \"sr3\"\nmemory = 256\n");
        refused(notOne, "not a vmhost save file");

        Path truncated = work.resolve("truncated.save");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        refused(truncated, "truncated");

        Path damaged = work.resolve("damaged.save");
        byte[] flipped = bytes.clone();
        flipped[flipped.length - 4096] ^= 0x5a; // inside QEMU's stream, before the end record
        Files.write(damaged, flipped);
        refused(damaged, "damaged");

        Path foreign = work.resolve("foreign.save");
        Files.write(foreign, withHeader(bytes, h -> h.replaceFirst("\"qemu\":\"[^\"]*\"", "\"qemu\":\"QEMU emulator version 6.2.0\"")));
        refused(foreign, "another QEMU", "6.2.0");

        Path empty = Files.write(work.resolve("empty.save"), new byte[0]);
        refused(empty, "truncated");

        refused(work.resolve("no-such.save"), "no such file");

        // Its disk gone: refused naming it, before anything starts.
        Path disk = work.resolve("sr3.qcow2");
        Path moved = work.resolve("sr3.qcow2.away");
        Files.move(disk, moved);
        refused(good, "sr3.qcow2", "does not exist");
        Files.move(moved, disk);

        // And the good file still restores.
        xend.xm("restore", good.toString()).requireSuccess();
        readBack("sr3", "sr3-1");
        xend.xm("destroy", "sr3").requireSuccess();
    }

    @Test
    void aSaveCutShortLeavesNoFileThatARestoreWouldTake() throws Exception {
        xend.xend("stop").requireSuccess();
        xend.startWith("-Dvmhost.fault.duringSave=60000");
        try {
            bootWithValue("sr4", "sr4-9");
            Path file = work.resolve("sr4.save");
            Process save = xend.xmAsync("save", "sr4", file.toString());
            XendInstance.await("the save's temporary file", Duration.ofSeconds(60), () -> partials().size() == 1
                    && partials().get(0).toFile().length() > 1 << 20);
            Thread.sleep(2000); // the stream is whole when the pause begins; the end record is not written
            ProcessHandle.of(xend.xendPid()).ifPresent(ProcessHandle::destroyForcibly);
            save.waitFor();
            assertThat(file).doesNotExist();
            Path partial = partials().get(0);
            xend.start();
            refused(partial, "truncated");
            assertThat(file).doesNotExist();
            readBack("sr4", "sr4-9"); // the guest the save stopped runs on under the new xend
        } finally {
            xend.xm("destroy", "sr4");
            try (var s = Files.list(work)) {
                for (Path p : s.filter(p -> p.toString().contains(".partial-")).toList()) Files.delete(p);
            }
        }
    }

    @Test
    void xendomainsStopSavesEveryRunningDomainAndStartRestoresThemAndDeletesTheirFiles() throws Exception {
        bootWithValue("sr5", "sr5-55");
        Path dir = Files.createDirectories(work.resolve("xendomains"));
        XendInstance.Result missing = xend.xm("xendomains", "stop", "--save-dir", work.resolve("nosuch").toString());
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.err()).contains("nosuch", "does not exist");
        assertThat(names()).contains("sr5");

        XendInstance.Result stop = xend.xm("xendomains", "stop", "--save-dir", dir.toString());
        assertThat(stop.exit()).as(stop.err()).isZero();
        assertThat(stop.out()).contains("Saving domain sr5 to " + dir.resolve("sr5.save"));
        assertThat(names()).doesNotContain("sr5");
        assertThat(dir.resolve("sr5.save")).exists();

        XendInstance.Result start = xend.xm("xendomains", "start", "--save-dir", dir.toString());
        assertThat(start.exit()).as(start.err()).isZero();
        assertThat(start.out()).contains("Restored domain sr5");
        assertThat(dir.resolve("sr5.save")).doesNotExist();
        readBack("sr5", "sr5-55");
        xend.xm("destroy", "sr5").requireSuccess();
    }

    @Test
    void xendomainsStopWithoutASaveDirectoryShutsTheGuestsDownWithinTheWait() throws Exception {
        bootWithValue("sr6", "sr6-6");
        XendInstance.Result stop = xend.xm("xendomains", "stop", "--max-wait", "60");
        assertThat(stop.exit()).as(stop.err()).isZero();
        assertThat(stop.out()).contains("Shutting down domain sr6");
        assertThat(names()).doesNotContain("sr6");
        assertThat(xend.qemuPids()).isEmpty();
    }

    @Test
    void aDomainWithHotPluggedDevicesIsRefusedAndWhileASaveWritesItIsShownSavingAndOtherOperationsAreRefusedAtOnce()
            throws Exception {
        xend.xend("stop").requireSuccess();
        xend.startWith("-Dvmhost.fault.duringSave=15000");
        try {
            bootWithValue("sr7", "sr7-77");
            Path file = work.resolve("sr7.save");

            // A hot-plugged disk and NIC: the QEMU a restore starts from the configuration would not have them where
            // the saved state expects, so the save is refused before anything stops, naming them.
            Path extra = qcow2("sr7-extra.qcow2");
            xend.xm("block-attach", "sr7", "tap:qcow2:" + extra, "xvdb", "w").requireSuccess();
            xend.xm("network-attach", "sr7", "type=user", "model=virtio").requireSuccess();
            XendInstance.Result hot = xend.xm("save", "sr7", file.toString());
            assertThat(hot.exit()).as(hot.err()).isNotZero();
            assertThat(hot.err()).contains("cannot save domain 'sr7'", "disk xvdb", "vif 1", "hot-plugged", "detach");
            assertThat(file).doesNotExist();
            assertThat(partials("sr7.save")).isEmpty();
            assertThat(xend.xm("list", "sr7").requireSuccess().out()).containsPattern("sr7 .* (r-----|-b----)");
            readBack("sr7", "sr7-77"); // the guest never stopped
            xend.xm("block-detach", "sr7", "xvdb").requireSuccess();
            xend.xm("network-detach", "sr7", "1").requireSuccess();

            Process save = xend.xmAsync("save", "sr7", file.toString());
            XendInstance.await("the save under way", Duration.ofSeconds(60), () -> partials("sr7.save").size() == 1
                    && partials("sr7.save").get(0).toFile().length() > 1 << 20);
            // Its vCPUs are stopped and its state is being written: xm list and the API say so, not "running".
            assertThat(xend.xm("list", "sr7").requireSuccess().out()).containsPattern("sr7 +[0-9]+ .* ---s-- ");
            assertThat(xend.xm("list", "--state", "saving").requireSuccess().out()).contains("sr7");
            assertThat(field(longList("sr7"), "state")).isEqualTo("---s--");
            assertThat(api("/api/v1/domains/sr7")).contains("\"state\":\"SAVING\"");
            // Every other operation is refused at once, naming the save, rather than queued behind it.
            for (String[] op : List.of(new String[] {"pause", "sr7"}, new String[] {"destroy", "sr7"},
                    new String[] {"shutdown", "sr7"}, new String[] {"mem-set", "sr7", "200"},
                    new String[] {"save", "-c", "sr7", work.resolve("sr7-again.save").toString()})) {
                XendInstance.Result r = xend.xm(op);
                assertThat(r.exit()).as("xm %s: %s", op[0], r.err()).isNotZero();
                assertThat(r.err()).as("xm " + op[0]).contains("domain 'sr7': it is being saved (xm save)");
            }
            assertThat(save.isAlive()).as("the save still runs: the refusals did not wait for it").isTrue();
            assertThat(save.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(save.exitValue()).isZero();
            assertThat(file).exists();
            assertThat(names()).doesNotContain("sr7");
            assertThat(work.resolve("sr7-again.save")).doesNotExist();

            xend.xm("restore", file.toString()).requireSuccess();
            readBack("sr7", "sr7-77");
            assertThat(xend.xm("list", "sr7").requireSuccess().out()).containsPattern("sr7 .* (r-----|-b----)");
        } finally {
            xend.xm("destroy", "sr7");
            xend.xend("stop").requireSuccess();
            xend.start();
        }
    }

    @Test
    void anHvmGuestBootedFromItsDiskComesBackWithItsMemoryAndItsCounterAndUptimeRunOn() throws Exception {
        Path disk = work.resolve("srh.qcow2");
        Files.copy(IMAGES.resolve("hvm-disk.qcow2"), disk);
        // Root's alone, as an administrator's image may be: QEMU, no longer root, must not open it again at the save's end.
        Files.setPosixFilePermissions(disk, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        xend.xm("create", xend.config("srh.cfg", """
                builder = 'hvm'
                name = 'srh'
                memory = 256
                disk = [ 'tap:qcow2:%s,xvda,w' ]
                vnc = 0
                boot = 'c'
                on_poweroff = 'destroy'
                """.formatted(disk)).toString()).requireSuccess();
        int before;
        double uptimeBefore;
        try (XmConsole c = XmConsole.open(xend, "srh")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(120));
            assertThat(c.text()).as("booted from its own disk").contains("SYSLINUX");
            // In the guest's memory only: a file on its RAM root, a shell variable, a counter that ticks each second.
            // The counter is renamed into place: a '>' truncates before it writes, and a read between the two (as
            // right after a restore of a guest saved there) would see an empty counter.
            c.type("echo kept-$((6*7)) > /kept; KEPT=srh-5150; (i=0; while :; do i=$((i+1)); echo $i > /count.new;"
                    + " mv /count.new /count; sleep 1; done) &\n");
            c.type("sleep 3; echo c1-$(cat /count)-$(cut -d' ' -f1 /proc/uptime)-end\n");
            c.awaitMatch("c1-[0-9]+-[0-9.]+-end", Duration.ofSeconds(60));
            Matcher m = Pattern.compile("c1-([0-9]+)-([0-9.]+)-end").matcher(c.text());
            assertThat(m.find()).isTrue();
            before = Integer.parseInt(m.group(1));
            uptimeBefore = Double.parseDouble(m.group(2));
        }
        assertThat(before).as("the counter ticks").isGreaterThanOrEqualTo(2);
        Path file = work.resolve("srh.save");
        xend.xm("save", "srh", file.toString()).requireSuccess();
        assertThat(names()).doesNotContain("srh");
        assertThat(xend.qemuPids()).isEmpty();

        xend.xm("restore", file.toString()).requireSuccess();
        try (XmConsole c = XmConsole.open(xend, "srh")) {
            c.type("\necho got-$KEPT-$(cat /kept)-c2-$(cat /count)-up-$(cut -d' ' -f1 /proc/uptime)-end; sleep 3; echo c3-$(cat /count)-end\n");
            c.awaitMatch("c3-[0-9]+-end", Duration.ofSeconds(60));
            Matcher m = Pattern.compile("got-srh-5150-kept-42-c2-([0-9]+)-up-([0-9.]+)-end").matcher(c.text());
            assertThat(m.find()).as("the guest's memory after the restore: " + c.text()).isTrue();
            int after = Integer.parseInt(m.group(1));
            assertThat(after).as("the counter goes on from where it was").isGreaterThanOrEqualTo(before);
            assertThat(Double.parseDouble(m.group(2))).as("uptime runs on").isGreaterThanOrEqualTo(uptimeBefore);
            Matcher c3 = Pattern.compile("c3-([0-9]+)-end").matcher(c.text());
            assertThat(c3.find()).isTrue();
            assertThat(Integer.parseInt(c3.group(1))).as("and still ticks").isGreaterThan(after);
        }
        assertThat(xend.xm("list", "srh").requireSuccess().out()).containsPattern("srh .* (r-----|-b----)");
        assertThat(ownerOf(disk)).as("the image's owner: nothing lent to the restored QEMU").isEqualTo("0:0");
        xend.xm("destroy", "srh").requireSuccess();
    }

    static String api(String path) {
        return xend.run(Path.of("/usr/bin/curl"), List.of("-sS", "--fail", "--unix-socket",
                new org.vmhost.domain.XendHome(xend.home()).apiSocket().toString(), "http://localhost" + path),
                Duration.ofSeconds(30)).requireSuccess().out();
    }

    @Test
    void aRootOnlyDiskInADirectoryQemusUserCannotSearchIsCheckpointedSavedAndRestoredWithoutBeingLent() throws Exception {
        // QEMU opens its images as root, then drops to its own user: it must keep them open as it opened them, for
        // it could not open this one again (a 0600 image in a 0700 directory), and nothing needs to be lent to it.
        Path hidden = Files.createDirectories(work.resolve("hidden"));
        Files.setPosixFilePermissions(hidden, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path disk = hidden.resolve("srx.raw");
        HostDisks.run(List.of("qemu-img", "create", "-q", "-f", "raw", disk.toString(), "16M"));
        Files.setPosixFilePermissions(disk, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        String config = PvGuestConfig.named("srx").kernelArgs("vmhost.dhcp=0").disk("tap:aio:" + disk + ",xvda,w")
                .line("on_poweroff = 'destroy'").text();
        xend.xm("create", xend.config("srx.cfg", config).toString()).requireSuccess();
        try {
            try (XmConsole c = XmConsole.open(xend, "srx")) {
                c.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
            }
            Path file = work.resolve("srx.save");
            for (int attempt = 1; attempt <= 2; attempt++) { // a checkpoint, twice: QEMU lets go of the disk and takes it up again
                XendInstance.Result r = xend.xm("save", "-c", "srx", file.toString());
                assertThat(r.exit()).as("checkpoint %d: %s", attempt, r.err()).isZero();
                assertThat(xend.xm("list", "srx").requireSuccess().out()).containsPattern("srx .* (r-----|-b----)");
                assertThat(ownerOf(disk)).as("the image's owner after checkpoint %d", attempt).isEqualTo("0:0");
            }
            Files.delete(file);
            xend.xm("save", "srx", file.toString()).requireSuccess();
            assertThat(partials("srx.save")).isEmpty();
            xend.xm("restore", file.toString()).requireSuccess();
            assertThat(ownerOf(disk)).as("the image's owner after the restore").isEqualTo("0:0");
            try (XmConsole c = XmConsole.open(xend, "srx")) { // the restored QEMU writes the image it opened as root
                c.type("\necho srx-wrote-$((40+2)) | dd of=/dev/vda bs=512 conv=sync 2>/dev/null; sync; echo done-$((1+1))\n");
                c.awaitText("done-2", Duration.ofSeconds(30));
            }
            byte[] head = new byte[13];
            try (var in = Files.newInputStream(disk)) {
                assertThat(in.readNBytes(head, 0, head.length)).isEqualTo(head.length);
            }
            assertThat(new String(head, StandardCharsets.US_ASCII)).as("the image's first bytes").isEqualTo("srx-wrote-42\n");
        } finally {
            xend.xm("destroy", "srx");
        }
    }

    @Test
    void aQemuAnOlderXendStartedIsLentItsImagesBeforeASaveOrRefusedNamingTheDirectoryItsUserCannotSearch() throws Exception {
        // Upgraded with guests running: their QEMUs, started by an older xend (the fault leaves out
        // file.auto-read-only=off, as it did), open their images again at a save's end, no longer root.
        Path reachable = work.resolve("sro.raw");
        Path hidden = Files.createDirectories(work.resolve("hidden-old"));
        Files.setPosixFilePermissions(hidden, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path unreachable = hidden.resolve("srq.raw");
        for (Path p : List.of(reachable, unreachable)) {
            HostDisks.run(List.of("qemu-img", "create", "-q", "-f", "raw", p.toString(), "16M"));
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        xend.xend("stop").requireSuccess();
        try {
            xend.startWith("-Dvmhost.fault.olderXendQemu=true");
            for (var g : java.util.Map.of("sro", reachable, "srq", unreachable).entrySet()) {
                xend.xm("create", xend.config(g.getKey() + ".cfg", PvGuestConfig.named(g.getKey()).kernelArgs("vmhost.dhcp=0")
                        .disk("tap:aio:" + g.getValue() + ",xvda,w").line("on_poweroff = 'destroy'").text()).toString()).requireSuccess();
            }
        } finally {
            xend.xend("stop");
            xend.start(); // this xend, which re-attaches to both
        }
        try {
            xend.awaitRecovery();
            List<String> older = new ArrayList<>();
            for (long pid : xend.qemuPids()) {
                String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"));
                if (cmdline.matches("(?s).*guest=sr[oq],.*")) older.add(cmdline);
            }
            assertThat(older).as("the older xend's QEMUs").hasSize(2)
                    .allSatisfy(c -> assertThat(c).contains("file.filename=" + work).doesNotContain("auto-read-only"));
            Path file = work.resolve("srq.save");
            XendInstance.Result r = xend.xm("save", "srq", file.toString());
            assertThat(r.exit()).as(r.err()).isNotZero();
            assertThat(r.err()).contains("cannot save domain 'srq'", "cannot search the directory " + hidden);
            assertThat(file).doesNotExist();
            assertThat(xend.xm("list", "srq").requireSuccess().out()).containsPattern("srq .* (r-----|-b----)");

            String qemuUser = HostDisks.run(List.of("id", "-u", "vmhost-qemu")).strip();
            xend.xm("save", "-c", "sro", work.resolve("sro.save").toString()).requireSuccess();
            assertThat(xend.xm("list", "sro").requireSuccess().out()).containsPattern("sro .* (r-----|-b----)");
            assertThat(ownerOf(reachable)).as("lent while the older QEMU runs").startsWith(qemuUser + ":");
            xend.xm("destroy", "sro").requireSuccess();
            assertThat(ownerOf(reachable)).as("given back at its end").isEqualTo("0:0");
        } finally {
            xend.xm("destroy", "sro");
            xend.xm("destroy", "srq");
        }
    }

    static String ownerOf(Path p) throws IOException {
        return Files.getAttribute(p, "unix:uid") + ":" + Files.getAttribute(p, "unix:gid");
    }

    static List<Path> partials(String of) {
        try (var s = Files.list(work)) {
            return s.filter(p -> p.getFileName().toString().startsWith("." + of + ".partial-")).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static List<Path> partials() {
        try (var s = Files.list(work)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".sr4.save.partial-")).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static void refused(Path file, String... why) {
        List<String> before = names();
        List<Long> qemus = xend.qemuPids();
        XendInstance.Result r = xend.xm("restore", file.toString());
        assertThat(r.exit()).as(r.err()).isNotZero();
        assertThat(r.err()).contains(file.getFileName().toString()).contains(why);
        assertThat(names()).isEqualTo(before);
        assertThat(xend.qemuPids()).isEqualTo(qemus);
    }

    static List<String> names() {
        return xend.xm("list").requireSuccess().out().lines().skip(1).map(l -> l.split("\\s+")[0]).toList();
    }

    /** The same file with its JSON header rewritten (and its length field with it). */
    static byte[] withHeader(byte[] file, java.util.function.UnaryOperator<String> change) {
        ByteBuffer b = ByteBuffer.wrap(file);
        b.position(8);
        int len = b.getInt();
        String header = new String(file, 12, len, StandardCharsets.UTF_8);
        byte[] json = change.apply(header).getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(file.length - len + json.length);
        out.put(file, 0, 8).putInt(json.length).put(json).put(file, 12 + len, file.length - 12 - len);
        return out.array();
    }
}
