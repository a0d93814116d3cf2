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
