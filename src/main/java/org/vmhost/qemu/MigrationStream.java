package org.vmhost.qemu;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.host.HostCommand;
import org.vmhost.qemu.qmp.QmpClient;
import org.vmhost.qemu.qmp.QmpException;
import org.vmhost.qemu.qmp.QmpMigration;

/**
 * QEMU's migration stream carried over a channel that xend holds: a UNIX socket in a directory of its own under
 * xend's {@code run/}, with an unguessable name, never a path from a configuration and never a shell
 * ({@code exec:} is impossible anyway under {@code -sandbox spawn=deny}).
 *
 * <p>Outgoing ({@link #save}): xend listens on the socket, QEMU ({@code migrate unix:...}) connects and
 * writes; xend copies every byte to the caller's sink. Incoming ({@link #load}): QEMU, started with
 * {@code -incoming defer}, listens there ({@code migrate-incoming unix:...}) and xend connects and writes the
 * caller's bytes. Where QEMU runs as its own unprivileged user, that user may search {@code run/} (not list
 * it) and owns the directory and the socket, so that no other local user reaches them.
 */
public final class MigrationStream {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration POLL = Duration.ofMillis(50);
    private static final int CHUNK = 1 << 20;

    private MigrationStream() {}

    /**
     * Migrates the guest of {@code qmp} into {@code sink}, the guest's vCPUs stopped first so that the stream
     * is one consistent image; returns the number of bytes written. The guest stays stopped: the caller
     * continues it ({@code cont}) or ends QEMU. On failure QEMU's migration is cancelled and the error names why.
     *
     * @param runDir xend's {@code run/}, where the channel's directory is made
     */
    public static long save(QmpClient qmp, Path runDir, Optional<QemuUser> user, OutputStream sink, Duration timeout)
            throws QmpException, InterruptedException {
        Path dir = channelDir(runDir, user);
        Path socket = dir.resolve("s");
        Instant deadline = Instant.now().plus(timeout);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            user.ifPresent(u -> giveTo(u, socket));
            qmp.stop();
            qmp.migrateSetParameters(Map.of("max-bandwidth", Long.MAX_VALUE >> 8));
            CompletableFuture<SocketChannel> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.accept();
                } catch (IOException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }, r -> Thread.ofVirtual().start(r));
            qmp.migrate("unix:" + socket);
            SocketChannel peer = awaitPeer(qmp, accepted, server, deadline);
            long written = 0;
            try (peer; InputStream in = Channels.newInputStream(peer)) {
                CompletableFuture<?> watchdog = closeAtDeadline(peer, deadline);
                byte[] buf = new byte[CHUNK];
                for (int n; (n = in.read(buf)) > 0; ) {
                    sink.write(buf, 0, n);
                    written += n;
                }
                watchdog.cancel(false);
            } catch (IOException e) {
                cancel(qmp);
                throw new VmhostException(Instant.now().isAfter(deadline) ? ErrorCode.TIMEOUT : ErrorCode.HOST_FAILED,
                        "the migration stream broke after " + written + " bytes: " + e.getMessage(), e);
            }
            QmpMigration done = awaitEnd(qmp, deadline);
            if (!done.completed()) {
                throw new VmhostException(ErrorCode.QEMU_FAILED, "QEMU's migration " + done.status()
                        + done.error().map(s -> ": " + s).orElse(""));
            }
            return written;
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot open the migration channel " + socket + ": " + e.getMessage(), e);
        } finally {
            org.vmhost.host.FileTrees.deleteOrLog(dir);
        }
    }

    /**
     * Feeds {@code source} to a QEMU started with {@code -incoming defer}, and returns once QEMU has loaded it
     * (the guest is then paused, to be continued by the caller). A QEMU that refuses the stream exits.
     */
    public static void load(QmpClient qmp, Path runDir, Optional<QemuUser> user, InputStream source, Duration timeout)
            throws QmpException, InterruptedException {
        Path dir = channelDir(runDir, user);
        user.ifPresent(u -> giveTo(u, dir)); // QEMU, no longer root, makes its listening socket there
        Path socket = dir.resolve("s");
        Instant deadline = Instant.now().plus(timeout);
        try {
            qmp.migrateIncoming("unix:" + socket);
            long sent = 0;
            try (SocketChannel peer = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                 OutputStream out = Channels.newOutputStream(peer)) {
                CompletableFuture<?> watchdog = closeAtDeadline(peer, deadline);
                byte[] buf = new byte[CHUNK];
                for (int n; (n = source.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    sent += n;
                }
                out.flush();
                peer.shutdownOutput();
                watchdog.cancel(false);
            } catch (IOException e) {
                throw new VmhostException(Instant.now().isAfter(deadline) ? ErrorCode.TIMEOUT : ErrorCode.QEMU_FAILED,
                        "QEMU stopped taking the saved state after " + sent + " bytes: " + e.getMessage(), e);
            }
            QmpMigration done = awaitEnd(qmp, deadline);
            if (!done.completed()) {
                throw new VmhostException(ErrorCode.QEMU_FAILED, "QEMU could not load the saved state: " + done.status()
                        + done.error().map(s -> ": " + s).orElse(""));
            }
        } finally {
            org.vmhost.host.FileTrees.deleteOrLog(dir);
        }
    }

    private static SocketChannel awaitPeer(QmpClient qmp, CompletableFuture<SocketChannel> accepted,
                                           ServerSocketChannel server, Instant deadline)
            throws QmpException, InterruptedException, IOException {
        while (true) {
            try {
                return accepted.get(POLL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                QmpMigration m = qmp.queryMigrate();
                if (m.finished() || Instant.now().isAfter(deadline)) {
                    server.close();
                    cancel(qmp);
                    throw new VmhostException(m.finished() ? ErrorCode.QEMU_FAILED : ErrorCode.TIMEOUT,
                            "QEMU did not connect to the migration channel (migration " + m.status()
                                    + m.error().map(s -> ": " + s).orElse("") + ")");
                }
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException(e.getCause().getMessage(), e.getCause());
            }
        }
    }

    private static QmpMigration awaitEnd(QmpClient qmp, Instant deadline) throws QmpException, InterruptedException {
        while (true) {
            QmpMigration m = qmp.queryMigrate();
            if (m.finished()) return m;
            if (Instant.now().isAfter(deadline)) {
                cancel(qmp);
                throw new VmhostException(ErrorCode.TIMEOUT, "QEMU's migration did not end in time (" + m.status() + ")");
            }
            Thread.sleep(POLL);
        }
    }

    private static void cancel(QmpClient qmp) throws InterruptedException {
        try {
            qmp.migrateCancel();
        } catch (QmpException e) {
            // nothing left to cancel, or QEMU is gone: the caller reports the first failure
        }
    }

    private static CompletableFuture<?> closeAtDeadline(SocketChannel channel, Instant deadline) {
        long ms = Math.max(1, Duration.between(Instant.now(), deadline).toMillis());
        return CompletableFuture.runAsync(() -> {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing is all the watchdog does; the copy reports the broken stream
            }
        }, CompletableFuture.delayedExecutor(ms, TimeUnit.MILLISECONDS));
    }

    /** A fresh directory under run/ with a random name: root's, or QEMU's user's (0700) where QEMU dropped root. */
    private static Path channelDir(Path runDir, Optional<QemuUser> user) {
        Path dir = runDir.resolve("stream-" + HexFormat.of().formatHex(bytes()));
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot make the migration channel's directory " + dir + ": " + e.getMessage(), e);
        }
        user.ifPresent(u -> u.allowSearch(runDir));
        user.ifPresent(u -> giveTo(u, dir));
        return dir;
    }

    private static byte[] bytes() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return b;
    }

    private static void giveTo(QemuUser user, Path file) {
        HostCommand.of("chown", user.uid() + ":" + user.gid(), "--", file.toString()).run();
    }

}
