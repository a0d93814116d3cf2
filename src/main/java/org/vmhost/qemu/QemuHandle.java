package org.vmhost.qemu;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Enough to find a running QEMU again from another process, e.g. the next xend after a restart:
 * persist it with the domain's status and pass it to {@link QemuProcess#attach}.
 *
 * @param pid        QEMU's process id
 * @param startTime  when that process started, in clock ticks after boot as {@code /proc/<pid>/stat}
 *                   gives it; with the pid, it tells this QEMU from a later process that reuses the pid
 * @param qmpSocket  where QEMU serves QMP
 * @param serialLog  where QEMU keeps the serial console's history
 * @param processLog where QEMU's stdout and stderr go
 * @param sockets    other UNIX sockets QEMU listens on, removed when QEMU ends
 */
public record QemuHandle(long pid, long startTime, Path qmpSocket, Path serialLog, Path processLog, List<Path> sockets) {
    public QemuHandle {
        if (pid <= 1) throw new IllegalArgumentException("not a QEMU pid: " + pid);
        if (startTime < 0) throw new IllegalArgumentException("negative start time: " + startTime);
        Objects.requireNonNull(qmpSocket, "qmpSocket");
        Objects.requireNonNull(serialLog, "serialLog");
        Objects.requireNonNull(processLog, "processLog");
        sockets = List.copyOf(sockets);
    }
}
