package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QemuLaunchTest {
    private static final Path QMP = Path.of("/run/vmhost/web1/qmp.sock");

    @Test
    void aLaunchMustOpenQmpOnItsSocket() {
        assertThatThrownBy(() -> new QemuLaunch(List.of("qemu-system-x86_64", "-S"), QMP, Path.of("/s.log"),
                Path.of("/q.log"), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("argv opens no QMP monitor on /run/vmhost/web1/qmp.sock");
    }

    @Test
    void aHandleSurvivesAJsonRoundTripAsTheStoreKeepsIt() throws Exception {
        QemuHandle handle = new QemuHandle(4242, 123456, QMP, Path.of("/run/vmhost/web1/serial.log"),
                Path.of("/run/vmhost/web1/qemu.log"), List.of(Path.of("/run/vmhost/web1/console.sock")));
        ObjectMapper json = new ObjectMapper();
        assertThat(json.readValue(json.writeValueAsString(handle), QemuHandle.class)).isEqualTo(handle);
    }

    @Test
    void aHandleRefusesPidsThatCannotBeQemu() {
        assertThatThrownBy(() -> new QemuHandle(1, 0, QMP, QMP, QMP, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void lastWordsAreTheTailOfTheCurrentRunOnly(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("qemu.log");
        Files.writeString(log, "--- vmhost 2026-01-01T00:00:00Z: starting setsid qemu\nold failure\n"
                + "--- vmhost 2026-01-02T00:00:00Z: starting setsid qemu\nline 1\n\nline 2\nline 3\nline 4\n");
        assertThat(QemuProcess.lastWords(log, ": ")).isEqualTo(": line 2 / line 3 / line 4");
        Files.writeString(log, "--- vmhost 2026-01-02T00:00:00Z: starting setsid qemu\n");
        assertThat(QemuProcess.lastWords(log, ": ")).isEmpty();
        assertThat(QemuProcess.lastWords(dir.resolve("missing.log"), ": ")).isEmpty();
    }

    @Test
    void wordsSinceAnOffsetLeaveOutWhatQemuSaidBefore(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("qemu.log");
        Files.writeString(log, "--- vmhost 2026-01-02T00:00:00Z: starting setsid qemu\nqemu: warning: at start\n");
        long before = Files.size(log);
        assertThat(QemuProcess.wordsSince(log, before, ": ")).isEmpty();
        Files.writeString(log, "qemu: bdrv_inactivate_all() failed (-1)\n", java.nio.file.StandardOpenOption.APPEND);
        assertThat(QemuProcess.wordsSince(log, before, ": ")).isEqualTo(": qemu: bdrv_inactivate_all() failed (-1)");
        assertThat(QemuProcess.wordsSince(log, 0, ": ")).isEqualTo(": qemu: warning: at start / qemu: bdrv_inactivate_all() failed (-1)");
        // A log found shorter than the offset (replaced since) is read from its start.
        Files.writeString(log, "qemu: new\n");
        assertThat(QemuProcess.wordsSince(log, before, ": ")).isEqualTo(": qemu: new");
    }

    @Test
    void aRunningQemuIsToldKeepingItsImagesOpenByItsCommandLineInProc(@TempDir Path dir) throws Exception {
        // A process whose command line looks like QEMU's as this xend starts it, and one as an older xend did.
        String drive = "if=none,id=drive-xvda,format=raw,file.driver=file,file.filename=" + dir.resolve("d\u00e9.raw");
        Process keeps = new ProcessBuilder("sh", "-c", "sleep 60", "sh", "-drive", drive + ",file.auto-read-only=off,readonly=off").start();
        Process older = new ProcessBuilder("sh", "-c", "sleep 60", "sh", "-drive", drive + ",readonly=off").start();
        try {
            QemuHandle keepsHandle = handle(keeps.pid(), dir);
            assertThat(QemuProcess.keepsImagesOpen(keepsHandle)).isTrue();
            assertThat(QemuProcess.keepsImagesOpen(handle(older.pid(), dir))).isFalse();
            // The same pid with another start time is not that QEMU any more: told as one that opens them again.
            assertThat(QemuProcess.keepsImagesOpen(new QemuHandle(keeps.pid(), keepsHandle.startTime() + 1, dir.resolve("q"),
                    dir.resolve("c"), dir.resolve("l"), List.of()))).isFalse();
            keeps.destroyForcibly().waitFor();
            assertThat(QemuProcess.keepsImagesOpen(keepsHandle)).as("a QEMU gone").isFalse();
        } finally {
            keeps.destroyForcibly();
            older.destroyForcibly();
        }
    }

    private static QemuHandle handle(long pid, Path dir) throws Exception {
        return new QemuHandle(pid, ProcStat.read(pid).orElseThrow().startTime(), dir.resolve("q"), dir.resolve("c"),
                dir.resolve("l"), List.of());
    }
}
