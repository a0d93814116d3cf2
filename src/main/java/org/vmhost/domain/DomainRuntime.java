package org.vmhost.domain;

import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import org.vmhost.console.ConsoleRelay;
import org.vmhost.qemu.Qemu;
import org.vmhost.qemu.qmp.QmpClient;

/**
 * What exists while a domain runs: its QEMU, the QMP connection, the shared console, and the queue
 * that hands QEMU's events to the domain's job one at a time, in order.
 *
 * @param keepsImagesOpen whether the QEMU keeps each image open as it opened them, as root: this xend's do
 *                        ({@link org.vmhost.qemu.QemuCommandLine#keepsImagesOpen}); one an older xend started opens them
 *                        again at a save's or a migration's end, and must be lent them first
 */
record DomainRuntime(Qemu process, ConsoleRelay console, ExecutorService events, Path runDir, boolean keepsImagesOpen) {
    /** In the run directory of a QEMU this xend started keeping its images open: what re-attach believes first. */
    static final String KEEPS_IMAGES_OPEN_FILE = "keeps-images-open";

    /**
     * For a QEMU found running: its run directory's mark, written by the xend that started it; without one (an older
     * xend's QEMU), its command line in /proc.
     */
    static boolean keepsImagesOpen(Path runDir, org.vmhost.qemu.QemuHandle handle) {
        return java.nio.file.Files.exists(runDir.resolve(KEEPS_IMAGES_OPEN_FILE))
                || org.vmhost.qemu.QemuProcess.keepsImagesOpen(handle);
    }

    DomainRuntime {
        Objects.requireNonNull(process);
        Objects.requireNonNull(console);
        Objects.requireNonNull(events);
        Objects.requireNonNull(runDir);
    }

    QmpClient qmp() {
        return process.qmp();
    }
}
