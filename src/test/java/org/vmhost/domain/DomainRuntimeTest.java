package org.vmhost.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.qemu.QemuHandle;

class DomainRuntimeTest {
    /**
     * A re-attached QEMU keeps its images open by its run directory's mark, which only root can write, before its
     * command line in /proc, which a QEMU could rewrite to look like an older xend's and have its images lent to it.
     */
    @Test
    void theRunDirectorysMarkOutweighsACommandLineThatLooksLikeAnOlderXendsQemu(@TempDir Path runDir) throws Exception {
        String drive = "if=none,id=drive-xvda,format=raw,file.driver=file,file.filename=" + runDir.resolve("d.raw");
        Process older = new ProcessBuilder("sh", "-c", "read _", "sh", "-drive", drive + ",readonly=off").start(); // no child
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(older.pid()), "stat"));
            long startTime = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
            QemuHandle handle = new QemuHandle(older.pid(), startTime, runDir.resolve("q"), runDir.resolve("c"),
                    runDir.resolve("l"), List.of());

            assertThat(DomainRuntime.keepsImagesOpen(runDir, handle)).as("no mark: an older xend's QEMU, by /proc").isFalse();
            Files.createFile(runDir.resolve(DomainRuntime.KEEPS_IMAGES_OPEN_FILE));
            assertThat(DomainRuntime.keepsImagesOpen(runDir, handle)).as("this xend's QEMU, whatever /proc says").isTrue();
        } finally {
            older.destroyForcibly();
        }
    }
}
