package org.vmhost.qemu;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.vmhost.qemu.QemuProcessException.Reason;
import org.vmhost.qemu.qmp.QmpClient;
import org.vmhost.qemu.qmp.QmpConnectionException;
import org.vmhost.qemu.qmp.QmpException;

/**
 * One running QEMU: started here or found again from a {@link QemuHandle}, with its QMP connection,
 * and the news of how it ended.
 *
 * <p>QEMU must outlive the daemon that starts it, so it runs as {@code setsid <argv>}: its own session
 * and process group (no Ctrl-C or group kill aimed at the daemon reaches it), stdin from /dev/null,
 * stdout and stderr appended to a log file rather than a pipe the daemon would hold. ProcessBuilder's
 * child is never a process group leader, so setsid(1) calls setsid() and execs QEMU in place: the pid
 * Java sees is QEMU's, and the start checks that it leads its own session. While this JVM is the
 * parent it also learns QEMU's exit status; after a re-attach it learns only that QEMU is gone.
 *
 * <p>How QEMU ended ({@link QemuExit}) comes from its QMP events, read until the socket closes, and
 * from the process's end; {@link #exit()} completes once both are in and QEMU's sockets are removed.
 */
public final class QemuProcess implements Qemu {
    private static final System.Logger LOG = System.getLogger(QemuProcess.class.getName());
    /** QEMU's log gets one of these before each start, so a log tail can stop at this run. */
    private static final String LOG_MARK = "--- vmhost ";
    /** How long events already sent may take to arrive once QEMU has exited. */
    private static final Duration EVENT_DRAIN = Duration.ofSeconds(2);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    /** How long {@link #awaitQmp} polls every millisecond: QEMU binds its monitor well within it when it starts normally. */
    private static final Duration FINE_POLL = Duration.ofMillis(300);

    private final QemuHandle handle;
    private final ProcessHandle process;
    private final QmpClient qmp;
    private final QemuExitTracker tracker;
    private final CompletableFuture<QemuExit> exit = new CompletableFuture<>();
    private final AtomicBoolean killedByUs = new AtomicBoolean();
    private volatile boolean detached;

    private QemuProcess(QemuHandle handle, ProcessHandle process, QmpClient qmp, QemuExitTracker tracker) {
        this.handle = handle;
        this.process = process;
        this.qmp = qmp;
        this.tracker = tracker;
    }

    /**
     * Starts QEMU and returns once its QMP monitor answers.
     *
     * @param timeout bounds the wait for QMP, and is the QMP client's default time limit per call
     * @throws QemuProcessException SOCKET_IN_USE, START_FAILED (with QEMU's own last words) or
     *                              START_TIMED_OUT; QEMU is then killed and its sockets removed
     */
    public static QemuProcess start(QemuLaunch launch, Duration timeout) throws QemuProcessException, InterruptedException {
        return start(launch, timeout, pid -> { });
    }

    /**
     * Starts QEMU as {@link #start(QemuLaunch, Duration)} does, and gives {@code spawned} its pid as soon as it runs,
     * before the wait for QMP: work on the process (its cgroup) then overlaps QEMU's own start. {@code spawned}
     * must not block; should the start fail, the pid is killed and reaped before this throws.
     */
    public static QemuProcess start(QemuLaunch launch, Duration timeout, LongConsumer spawned)
            throws QemuProcessException, InterruptedException {
        Objects.requireNonNull(launch, "launch");
        Objects.requireNonNull(spawned, "spawned");
        requirePositive(timeout);
        claimSocket(launch.qmpSocket());
        List<String> argv = new ArrayList<>(launch.argv().size() + 1);
        argv.add("setsid");
        argv.addAll(launch.argv());
        try {
            Files.writeString(launch.processLog(), LOG_MARK + Instant.now() + ": starting " + String.join(" ", argv) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new QemuProcessException(Reason.START_FAILED, "cannot write QEMU's log " + launch.processLog()
                    + ": " + e.getMessage(), e);
        }
        ProcessBuilder builder = new ProcessBuilder(argv)
                .redirectInput(new File("/dev/null"))
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(launch.processLog().toFile()));
        Process child;
        try {
            child = builder.start();
        } catch (IOException e) {
            throw new QemuProcessException(Reason.START_FAILED, "cannot run " + argv + ": " + e.getMessage(), e);
        }

        QemuExitTracker tracker = new QemuExitTracker();
        QmpClient qmp = null;
        try {
            spawned.accept(child.pid());
            qmp = awaitQmp(child, launch, timeout, tracker);
            ProcStat stat = stat(child.pid()).filter(s -> !s.isZombie()).orElseThrow(() ->
                    new QemuProcessException(Reason.START_FAILED, "QEMU for " + launch.qmpSocket()
                            + " exited right after its QMP monitor answered" + lastWords(launch.processLog(), ": "), null));
            if (stat.session() != child.pid()) {
                throw new QemuProcessException(Reason.START_FAILED, "QEMU for " + launch.qmpSocket() + " (pid "
                        + child.pid() + ") does not lead its own session (session " + stat.session()
                        + "): setsid forked, so the pid would not be QEMU's", null);
            }
            QemuHandle handle = new QemuHandle(child.pid(), stat.startTime(), launch.qmpSocket(), launch.serialLog(),
                    launch.processLog(), launch.sockets());
            QemuProcess started = new QemuProcess(handle, child.toHandle(), qmp, tracker);
            started.watch(child);
            LOG.log(System.Logger.Level.INFO, "QEMU pid " + child.pid() + " started, QMP on " + launch.qmpSocket());
            return started;
        } catch (QemuProcessException | InterruptedException | RuntimeException e) {
            // A failed start undoes itself: no QEMU and no sockets are left behind.
            if (qmp != null) qmp.close();
            child.destroyForcibly();
            // Reaped before the error is reported: the caller must never see a QEMU left over from it.
            if (!child.waitFor(KILL_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.ERROR, "QEMU pid " + child.pid() + " survived SIGKILL for " + KILL_WAIT);
            }
            removeSockets(launch.qmpSocket(), launch.sockets());
            throw e;
        }
    }

    /**
     * Finds a QEMU again from its handle: checks that the pid still runs and is that QEMU (same start
     * time, and its argv names the QMP socket), then connects to QMP. The previous QMP client must be
     * gone: QEMU serves one at a time.
     *
     * @throws QemuProcessException GONE, NOT_THAT_QEMU, or QMP_UNREACHABLE (QEMU runs but does not answer:
     *                              the caller should {@link #kill} it, so that it never runs twice)
     */
    public static QemuProcess attach(QemuHandle handle, Duration timeout) throws QemuProcessException, InterruptedException {
        Objects.requireNonNull(handle, "handle");
        requirePositive(timeout);
        ProcessHandle process = identify(handle);
        QemuExitTracker tracker = new QemuExitTracker();
        QmpClient qmp;
        try {
            qmp = QmpClient.connect(handle.qmpSocket(), timeout, tracker::onEvent);
        } catch (QmpException e) {
            identify(handle); // GONE if it died meanwhile
            throw new QemuProcessException(Reason.QMP_UNREACHABLE, "QEMU pid " + handle.pid()
                    + " runs but its QMP monitor does not answer: " + e.getMessage(), e);
        }
        QemuProcess attached = new QemuProcess(handle, process, qmp, tracker);
        attached.watch(null);
        LOG.log(System.Logger.Level.INFO, "QEMU pid " + handle.pid() + " re-attached, QMP on " + handle.qmpSocket());
        return attached;
    }

    /**
     * Kills the QEMU of a handle with SIGKILL, if it still runs, and removes its sockets: for a QEMU that
     * cannot be re-attached. A pid that now belongs to another process is left alone.
     */
    public static void kill(QemuHandle handle) throws QemuProcessException, InterruptedException {
        Objects.requireNonNull(handle, "handle");
        try {
            ProcessHandle process = identify(handle);
            process.destroyForcibly();
            awaitGone(handle);
        } catch (QemuProcessException e) {
            if (e.reason() != Reason.GONE) throw e;
        }
        removeSockets(handle.qmpSocket(), handle.sockets());
    }

    public QemuHandle handle() {
        return handle;
    }

    /** The QMP connection; closed once QEMU has ended or this object is detached. */
    public QmpClient qmp() {
        return qmp;
    }

    /**
     * Completes with how QEMU ended, after its sockets are removed; fails with a CancellationException
     * after {@link #detach()}.
     * Completing the returned future yourself has no effect here.
     */
    public CompletableFuture<QemuExit> exit() {
        return exit.copy();
    }

    /** Whether the QEMU of {@link #handle()} still runs (a zombie does not). */
    public boolean isAlive() {
        return isRunning(handle);
    }

    /**
     * Ends QEMU: QMP {@code quit}, then SIGTERM after {@code quitTimeout}, then SIGKILL after
     * {@code termTimeout}. Returns how it ended; a QEMU that had already ended returns that.
     *
     * @throws QemuProcessException KILL_FAILED if QEMU survives SIGKILL for 10 s
     */
    public QemuExit terminate(Duration quitTimeout, Duration termTimeout) throws QemuProcessException, InterruptedException {
        requirePositive(quitTimeout);
        requirePositive(termTimeout);
        if (detached) throw new IllegalStateException("QEMU pid " + handle.pid() + " was detached from this object");
        if (!exit.isDone()) {
            // On its own thread: a hung QEMU never answers, and waiting for the exit is what matters.
            // A quit that fails outright (QMP already gone) goes straight on to SIGTERM.
            CompletableFuture<Void> quitFailed = new CompletableFuture<>();
            Thread.ofVirtual().name("qemu-quit " + handle.pid()).start(() -> sendQuit(quitFailed));
            if (!await(CompletableFuture.anyOf(exit, quitFailed), quitTimeout) || !exit.isDone()) {
                LOG.log(System.Logger.Level.WARNING, "QEMU pid " + handle.pid() + (quitFailed.isDone()
                        ? " cannot be asked to quit over QMP" : " did not quit within " + quitTimeout.toMillis() + " ms")
                        + "; sending SIGTERM");
                process.destroy();
                if (!await(exit, termTimeout)) {
                    LOG.log(System.Logger.Level.WARNING, "QEMU pid " + handle.pid() + " ignored SIGTERM for "
                            + termTimeout.toMillis() + " ms; sending SIGKILL");
                    killedByUs.set(true);
                    process.destroyForcibly();
                    if (!await(exit, KILL_WAIT)) {
                        throw new QemuProcessException(Reason.KILL_FAILED, "QEMU pid " + handle.pid()
                                + " survived SIGKILL for " + KILL_WAIT.toSeconds() + " s (stuck in the kernel?)", null);
                    }
                }
            }
        }
        return exit.join();
    }

    /**
     * Lets go of QEMU without stopping it: closes QMP and stops watching. For a daemon that shuts down,
     * or hands QEMU to another object through {@link #handle()}.
     */
    public void detach() {
        detached = true;
        qmp.close();
        exit.cancel(false);
    }

    private void sendQuit(CompletableFuture<Void> failed) {
        try {
            qmp.quit();
        } catch (QmpException e) {
            LOG.log(System.Logger.Level.INFO, "QMP quit to QEMU pid " + handle.pid() + " failed: " + e.getMessage());
            failed.complete(null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether {@code future} finished (in any way) within {@code limit}. */
    private static boolean await(CompletableFuture<?> future, Duration limit) throws InterruptedException {
        try {
            future.get(limit.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException | CancellationException e) {
            return true;
        }
    }

    /** Waits for the end on a virtual thread: the child's exit status when we are the parent, else /proc. */
    private void watch(Process child) {
        Thread.ofVirtual().name("qemu-watch " + handle.pid()).start(() -> {
            OptionalInt status;
            try {
                if (child != null) {
                    status = OptionalInt.of(child.waitFor());
                } else {
                    qmp.closed().join(); // QEMU's exit closes the socket: no need to poll before that
                    long pause = 10;
                    while (!detached && isRunning(handle)) {
                        Thread.sleep(pause);
                        pause = Math.min(pause * 2, 500);
                    }
                    status = OptionalInt.empty();
                }
            } catch (InterruptedException e) {
                return; // nobody interrupts this thread; if someone does, there is no one to tell
            }
            finish(status);
        });
    }

    private void finish(OptionalInt status) {
        if (detached) return;
        try {
            qmp.closed().get(EVENT_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "QMP of ended QEMU pid " + handle.pid() + " still open after "
                    + EVENT_DRAIN.toSeconds() + " s; judging without it");
        } catch (InterruptedException | ExecutionException e) {
            LOG.log(System.Logger.Level.WARNING, "waiting for the last QMP events of QEMU pid " + handle.pid(), e);
        }
        qmp.close();
        removeSockets(handle.qmpSocket(), handle.sockets());
        Supplier<String> words = () -> lastWords(handle.processLog(), "");
        QemuExit verdict = tracker.verdict(status, killedByUs.get(), words);
        LOG.log(System.Logger.Level.INFO, "QEMU pid " + handle.pid() + " ended: " + verdict.describe());
        exit.complete(verdict);
    }

    /** The process of a handle, if it is still that QEMU. */
    private static ProcessHandle identify(QemuHandle handle) throws QemuProcessException {
        String who = "QEMU pid " + handle.pid() + " (QMP " + handle.qmpSocket() + ")";
        ProcStat stat;
        List<String> argv;
        try {
            stat = ProcStat.read(handle.pid()).filter(s -> !s.isZombie()).orElse(null);
            argv = ProcStat.commandLine(handle.pid()).orElse(List.of());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc for " + who, e);
        }
        if (stat == null) throw new QemuProcessException(Reason.GONE, who + " is not running", null);
        if (stat.startTime() != handle.startTime()) {
            throw new QemuProcessException(Reason.GONE, who + " is not running (the pid now belongs to a "
                    + "process started later)", null);
        }
        String socket = handle.qmpSocket().toString();
        if (argv.stream().noneMatch(arg -> arg.contains(socket))) {
            throw new QemuProcessException(Reason.NOT_THAT_QEMU, "pid " + handle.pid() + " runs "
                    + (argv.isEmpty() ? "something" : argv.get(0)) + ", not the QEMU of " + socket, null);
        }
        return ProcessHandle.of(handle.pid()).orElseThrow(() ->
                new QemuProcessException(Reason.GONE, who + " is not running", null));
    }

    /** Whether the QEMU of a handle still runs: same pid, same start time, not a zombie. */
    public static boolean isRunning(QemuHandle handle) {
        return stat(handle.pid()).filter(s -> !s.isZombie() && s.startTime() == handle.startTime()).isPresent();
    }

    /**
     * Whether the QEMU of a handle, found running when xend starts, keeps its images open as it opened them
     * ({@link QemuCommandLine#keepsImagesOpen}): read from its command line in /proc (bytes as they are: a path need
     * not be UTF-8). False where that cannot be read or the pid is no longer that QEMU's, so that the images are lent
     * as to a QEMU that opens them again.
     */
    public static boolean keepsImagesOpen(QemuHandle handle) {
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(handle.pid()), "cmdline"));
            if (cmdline.length == 0 || !isRunning(handle)) return false;
            return QemuCommandLine.keepsImagesOpen(List.of(new String(cmdline, StandardCharsets.ISO_8859_1).split("\0")));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static Optional<ProcStat> stat(long pid) {
        try {
            return ProcStat.read(pid);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc for pid " + pid, e);
        }
    }

    private static void awaitGone(QemuHandle handle) throws QemuProcessException, InterruptedException {
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        while (isRunning(handle)) {
            if (System.nanoTime() > deadline) {
                throw new QemuProcessException(Reason.KILL_FAILED, "QEMU pid " + handle.pid() + " survived SIGKILL for "
                        + KILL_WAIT.toSeconds() + " s (stuck in the kernel?)", null);
            }
            Thread.sleep(10);
        }
    }

    /**
     * Polls for the QMP socket until QEMU answers, exits, or time runs out. Every millisecond at first: QEMU binds
     * its monitor 20-30 ms after its exec, before it builds the machine and loads the kernel, and the guest runs
     * only once xend is connected ({@code -S}, then {@code cont}), so each millisecond late here is one more in
     * every boot. A pause that doubled from 2 ms connected 30-43 ms after QEMU's exec; this, 22-27 ms. After the
     * first {@link #FINE_POLL}, a QEMU that is slow to start is polled less often, up to every 50 ms.
     */
    private static QmpClient awaitQmp(Process child, QemuLaunch launch, Duration timeout, QemuExitTracker tracker)
            throws QemuProcessException, InterruptedException {
        Path socket = launch.qmpSocket();
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long pause = 1;
        QmpException last = null;
        while (true) {
            if (!child.isAlive()) {
                throw new QemuProcessException(Reason.START_FAILED, "QEMU for " + socket + " exited with status "
                        + child.exitValue() + " before its QMP monitor answered" + lastWords(launch.processLog(), ": "), null);
            }
            if (System.nanoTime() >= deadline) {
                throw new QemuProcessException(Reason.START_TIMED_OUT, "QEMU for " + socket + " (pid " + child.pid()
                        + ") did not answer on QMP within " + timeout.toMillis() + " ms"
                        + (last == null ? "" : " (" + last.getMessage() + ")") + lastWords(launch.processLog(), ": "), last);
            }
            if (Files.exists(socket)) {
                try {
                    return QmpClient.connect(socket, timeout, tracker::onEvent);
                } catch (QmpConnectionException e) {
                    // The socket file appears at bind(), a moment before QEMU listens on it.
                    if (e.reason() != QmpConnectionException.Reason.CONNECT_FAILED) {
                        throw new QemuProcessException(Reason.START_FAILED, e.getMessage()
                                + lastWords(launch.processLog(), ": "), e);
                    }
                    last = e;
                } catch (QmpException e) {
                    throw new QemuProcessException(Reason.START_FAILED, e.getMessage(), e);
                }
            }
            Thread.sleep(pause);
            if (System.nanoTime() - start > FINE_POLL.toNanos()) pause = Math.min(pause * 2, 50);
        }
    }

    /** Refuses a socket a live QEMU serves; removes a stale one left by a QEMU that was killed. */
    private static void claimSocket(Path socket) throws QemuProcessException {
        if (!Files.exists(socket)) return;
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException refused) {
            try {
                Files.deleteIfExists(socket);
                return;
            } catch (IOException e) {
                throw new QemuProcessException(Reason.SOCKET_IN_USE, "cannot remove the stale QMP socket " + socket
                        + ": " + e.getMessage(), e);
            }
        }
        throw new QemuProcessException(Reason.SOCKET_IN_USE, "a QEMU already serves QMP on " + socket, null);
    }

    private static void removeSockets(Path qmpSocket, List<Path> others) {
        List<Path> all = new ArrayList<>(others);
        all.add(qmpSocket);
        for (Path socket : all) {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot remove QEMU socket " + socket, e);
            }
        }
    }

    /**
     * The last lines QEMU wrote in its current run (after the last start mark), joined with " / ";
     * empty, or {@code prefix} + lines.
     */
    static String lastWords(Path log, String prefix) {
        return wordsSince(log, 0, prefix);
    }

    /** Where QEMU's log ends now (0 if it cannot be read): the offset for {@link #wordsSince} after an operation. */
    public static long logEnd(Path log) {
        try {
            return Files.size(log);
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * As {@link #lastWords}, of what QEMU wrote at or after {@code offset}: the log's size taken before an operation,
     * so that what QEMU said about it is told, not an older warning.
     */
    public static String wordsSince(Path log, long offset, String prefix) {
        String text;
        try (FileChannel file = FileChannel.open(log, StandardOpenOption.READ)) {
            long size = file.size();
            long from = Math.max(offset > size ? 0 : offset, size - 16384);
            ByteBuffer buffer = ByteBuffer.allocate((int) (size - from));
            while (buffer.hasRemaining() && file.read(buffer, from + buffer.position()) > 0) { }
            text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
        int mark = text.lastIndexOf(LOG_MARK);
        if (mark >= 0) text = text.substring(text.indexOf('\n', mark) + 1);
        List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (lines.isEmpty()) return "";
        String words = String.join(" / ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        return prefix + (words.length() > 500 ? words.substring(words.length() - 500) : words);
    }

    private static void requirePositive(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("time limit must be positive: " + timeout);
        }
    }
}
