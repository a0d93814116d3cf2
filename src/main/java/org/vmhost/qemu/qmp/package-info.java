/**
 * A client for QEMU's machine protocol (QMP). Knows QEMU's monitor, nothing of domains.
 *
 * <p>Three layers, as libvirt has them: {@link org.vmhost.qemu.qmp.QmpClient} offers typed calls
 * ({@code stop()}, {@code queryStatus()}) and a generic {@code execute}; a package-private command
 * layer numbers each command, matches replies by {@code id} and hands events to listeners; a
 * package-private socket layer moves newline-delimited JSON over a UNIX socket.
 *
 * <p>Threads: one virtual thread reads the socket, a second delivers events to listeners in arrival
 * order, so a listener may itself call QEMU. Callers may share one client from any number of threads.
 * Every failure is a {@link org.vmhost.qemu.qmp.QmpException}: QEMU's error reply, a timeout, or a
 * connection that could not be made or is gone. A call never waits longer than its timeout.
 */
package org.vmhost.qemu.qmp;
