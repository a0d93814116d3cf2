package org.vmhost.qemu;

import java.time.Duration;
import java.util.function.LongConsumer;

/**
 * How xend starts QEMU, finds it again after a restart, and kills one it cannot control: the core's one
 * seam to processes. {@link #HOST} runs real processes; the service's unit tests script a fake one (on the
 * fake QMP server) so the whole lifecycle runs without QEMU.
 */
public interface QemuLauncher {
    /**
     * Starts QEMU and returns once its QMP monitor answers; {@code spawned} is given QEMU's pid as soon as it
     * exists, before that wait. See {@link QemuProcess#start}.
     */
    Qemu start(QemuLaunch launch, Duration timeout, LongConsumer spawned) throws QemuProcessException, InterruptedException;

    /** Finds a QEMU again from its handle; see {@link QemuProcess#attach}. */
    Qemu attach(QemuHandle handle, Duration timeout) throws QemuProcessException, InterruptedException;

    /** Kills the QEMU of a handle if it still runs; see {@link QemuProcess#kill}. */
    void kill(QemuHandle handle) throws QemuProcessException, InterruptedException;

    /** Whether the QEMU of a handle still runs (same pid, same start time). */
    boolean isRunning(QemuHandle handle);

    /** QEMU processes on this host. */
    QemuLauncher HOST = new QemuLauncher() {
        @Override
        public Qemu start(QemuLaunch launch, Duration timeout, LongConsumer spawned)
                throws QemuProcessException, InterruptedException {
            return QemuProcess.start(launch, timeout, spawned);
        }

        @Override
        public Qemu attach(QemuHandle handle, Duration timeout) throws QemuProcessException, InterruptedException {
            return QemuProcess.attach(handle, timeout);
        }

        @Override
        public void kill(QemuHandle handle) throws QemuProcessException, InterruptedException {
            QemuProcess.kill(handle);
        }

        @Override
        public boolean isRunning(QemuHandle handle) {
            return QemuProcess.isRunning(handle);
        }
    };
}
