package org.vmhost.qemu;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What {@link QemuProcess#start} needs: QEMU's argv (from {@link QemuCommandLine}) and the files it
 * involves.
 *
 * @param argv       the full argument vector, emulator first; it must open a QMP monitor on
 *                   {@code qmpSocket}. Put {@code -S} in it for a guest that must not run before
 *                   vmhost listens, and call {@code qmp().cont()} once ready.
 * @param qmpSocket  where QEMU serves QMP
 * @param serialLog  where QEMU keeps the serial console's history (chardev {@code logfile=}); recorded for
 *                   whoever re-attaches, not read here
 * @param processLog where QEMU's stdout and stderr go (appended), never a pipe: a pipe would tie QEMU to
 *                   the daemon that reads it
 * @param sockets    other UNIX sockets QEMU listens on (console, VNC), removed when QEMU ends
 */
public record QemuLaunch(List<String> argv, Path qmpSocket, Path serialLog, Path processLog, List<Path> sockets) {
    public QemuLaunch {
        argv = List.copyOf(argv);
        Objects.requireNonNull(qmpSocket, "qmpSocket");
        Objects.requireNonNull(serialLog, "serialLog");
        Objects.requireNonNull(processLog, "processLog");
        sockets = List.copyOf(sockets);
        if (argv.isEmpty()) throw new IllegalArgumentException("argv is empty");
        String socket = qmpSocket.toString();
        if (argv.stream().noneMatch(arg -> arg.contains(socket))) {
            throw new IllegalArgumentException("argv opens no QMP monitor on " + socket);
        }
    }
}
