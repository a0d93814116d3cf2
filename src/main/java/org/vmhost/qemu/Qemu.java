package org.vmhost.qemu;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.vmhost.qemu.qmp.QmpClient;

/**
 * One running QEMU as xend drives it: its identity, its QMP connection, the news of its end, and the ways to
 * end it or let it go. {@link QemuProcess} is the real one; tests script a fake through {@link QemuLauncher}.
 */
public interface Qemu {
    /** What identifies the process, and what the next xend needs to find it again. */
    QemuHandle handle();

    /** The QMP connection; closed once QEMU has ended or this object is detached. */
    QmpClient qmp();

    /** Completes with how QEMU ended; fails with a CancellationException after {@link #detach()}. */
    CompletableFuture<QemuExit> exit();

    /** Ends QEMU: QMP {@code quit}, then SIGTERM, then SIGKILL. */
    QemuExit terminate(Duration quitTimeout, Duration termTimeout) throws QemuProcessException, InterruptedException;

    /** Lets go of QEMU without stopping it. */
    void detach();
}
