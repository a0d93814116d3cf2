package org.vmhost.qemu;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * What a launch needs beyond the domain's configuration: the decisions made at run time.
 *
 * @param emulator      the qemu-system binary
 * @param accelerator   {@code tcg} or {@code kvm}, as the accelerator probe decided
 * @param uuid          the domain's UUID (generated when the config has none)
 * @param qmpSocket     where QEMU listens for QMP
 * @param consoleSocket where QEMU serves the serial console
 * @param consoleLog    where QEMU itself keeps the serial console's history
 * @param nics          one attachment per configured vif, in the same order
 * @param vncDisplay    for a domain with VNC whose config fixes no display: the display to listen on
 *                      (xm's rule: the domain id), or with {@code vncunused} the first one to try
 * @param tscKhz        the host TSC rate, stated to pv guests that cannot calibrate it
 * @param runAs         the unprivileged user QEMU becomes once it has opened its command line's files
 *                      ({@code -runas}); empty where xend is not root and QEMU runs as xend's own user
 * @param vncSocket     where QEMU serves a VNC display that has no {@code vnclisten}: a UNIX socket in the
 *                      domain's private run directory, which only root reaches
 */
public record LaunchContext(Path emulator, String accelerator, UUID uuid, Path qmpSocket, Path consoleSocket,
                            Path consoleLog, List<NicAttachment> nics, OptionalInt vncDisplay, OptionalLong tscKhz,
                            Optional<String> runAs, Path vncSocket) {

    /** A context with no {@code -runas}, its VNC socket beside the QMP socket. */
    public LaunchContext(Path emulator, String accelerator, UUID uuid, Path qmpSocket, Path consoleSocket,
                         Path consoleLog, List<NicAttachment> nics, OptionalInt vncDisplay, OptionalLong tscKhz) {
        this(emulator, accelerator, uuid, qmpSocket, consoleSocket, consoleLog, nics, vncDisplay, tscKhz,
                Optional.empty(), qmpSocket.resolveSibling("vnc.sock"));
    }

    public LaunchContext {
        Objects.requireNonNull(emulator, "emulator");
        Objects.requireNonNull(accelerator, "accelerator");
        if (!accelerator.equals("tcg") && !accelerator.equals("kvm")) {
            throw new IllegalArgumentException("accelerator must be tcg or kvm, not " + accelerator);
        }
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(qmpSocket, "qmpSocket");
        Objects.requireNonNull(consoleSocket, "consoleSocket");
        Objects.requireNonNull(consoleLog, "consoleLog");
        nics = List.copyOf(nics);
        Objects.requireNonNull(vncDisplay, "vncDisplay");
        Objects.requireNonNull(tscKhz, "tscKhz");
        Objects.requireNonNull(runAs, "runAs");
        runAs.ifPresent(u -> {
            if (!u.matches("[a-z_][a-z0-9_-]{0,31}")) throw new IllegalArgumentException("invalid user name: " + u);
        });
        Objects.requireNonNull(vncSocket, "vncSocket");
    }
}
