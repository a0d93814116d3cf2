package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.qemu.QemuExit.Cause;
import org.vmhost.qemu.QemuProcessException.Reason;
import org.vmhost.qemu.qmp.QmpEvent;
import org.vmhost.qemu.qmp.QmpStatus;

/** Real QEMU under TCG, running the tiny firmware guests of {@link TestGuest}. */
@Tag("guest")
class QemuProcessTest {
    private static final Duration START = Duration.ofSeconds(10);
    private static final Duration END = Duration.ofSeconds(10);
    private static final Duration QUIT = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    private final List<QemuHandle> started = new ArrayList<>();
    private final List<Process> helpers = new ArrayList<>();

    @AfterEach
    void killWhatWasStarted() throws Exception {
        for (Process helper : helpers) helper.destroyForcibly().waitFor();
        for (QemuHandle handle : started) QemuProcess.kill(handle); // by recorded pid, if still that QEMU
    }

    private QemuProcess start(QemuLaunch launch) throws Exception {
        QemuProcess qemu = QemuProcess.start(launch, START);
        started.add(qemu.handle());
        return qemu;
    }

    private QemuProcess startRunning(byte[] guest, String... extra) throws Exception {
        QemuProcess qemu = start(TestGuest.launch(dir, guest, extra));
        qemu.qmp().cont();
        return qemu;
    }

    @Test
    void qemuRunsInItsOwnSessionWithNoPipeToTheDaemon() throws Exception {
        QemuProcess qemu = start(TestGuest.launch(dir, TestGuest.IDLE));
        long pid = qemu.handle().pid();

        ProcStat stat = ProcStat.read(pid).orElseThrow();
        assertThat(stat.session()).isEqualTo(pid);
        assertThat(stat.group()).isEqualTo(pid);
        assertThat(stat.startTime()).isEqualTo(qemu.handle().startTime());
        assertThat(ProcStat.commandLine(pid).orElseThrow().get(0)).isEqualTo("qemu-system-x86_64");
        Path fds = Path.of("/proc", Long.toString(pid), "fd");
        assertThat(Files.readSymbolicLink(fds.resolve("0"))).isEqualTo(Path.of("/dev/null"));
        assertThat(Files.readSymbolicLink(fds.resolve("1"))).isEqualTo(dir.resolve("qemu.log"));
        assertThat(Files.readSymbolicLink(fds.resolve("2"))).isEqualTo(dir.resolve("qemu.log"));
        assertThat(Files.readString(dir.resolve("qemu.log"))).startsWith("--- vmhost ");
    }

    @Test
    void qmpReportsTheGuestRunningAndStopAndContWork() throws Exception {
        QemuProcess qemu = start(TestGuest.launch(dir, TestGuest.IDLE));
        assertThat(qemu.qmp().queryStatus()).isEqualTo(new QmpStatus("prelaunch", false));
        qemu.qmp().cont();
        assertThat(qemu.qmp().queryStatus()).isEqualTo(new QmpStatus("running", true));
        qemu.qmp().stop();
        assertThat(qemu.qmp().queryStatus()).isEqualTo(new QmpStatus("paused", false));
        qemu.qmp().cont();
        assertThat(qemu.qmp().queryStatus()).isEqualTo(new QmpStatus("running", true));
        assertThat(qemu.isAlive()).isTrue();
    }

    @Test
    void aQemuThatBindsItsMonitorAfterTheFirstPollsIsStillConnected() throws Exception {
        // QEMU on a loaded host: its QMP socket appears after the millisecond polls, when the pause has grown.
        QemuLaunch quick = TestGuest.launch(dir, TestGuest.IDLE);
        List<String> argv = new ArrayList<>(List.of("sh", "-c", "sleep 0.7; exec \"$@\"", "sh"));
        argv.addAll(quick.argv());
        QemuProcess qemu = start(new QemuLaunch(argv, quick.qmpSocket(), quick.serialLog(), quick.processLog(),
                quick.sockets()));
        assertThat(qemu.qmp().queryStatus()).isEqualTo(new QmpStatus("prelaunch", false));
        qemu.qmp().cont();
        assertThat(qemu.qmp().queryStatus()).isEqualTo(new QmpStatus("running", true));
    }

    @Test
    void quitEndsWithHostQmpQuitAndRemovesTheSockets() throws Exception {
        QemuProcess qemu = startRunning(TestGuest.IDLE);
        assertThat(dir.resolve("console.sock")).exists();

        QemuExit exit = qemu.terminate(QUIT, QUIT);

        assertThat(exit).isEqualTo(new QemuExit.Shutdown(Cause.HOST_QMP_QUIT, false));
        assertThat(qemu.isAlive()).isFalse();
        assertThat(ProcStat.read(qemu.handle().pid()).filter(s -> !s.isZombie())).isEmpty();
        assertThat(dir.resolve("qmp.sock")).doesNotExist();
        assertThat(dir.resolve("console.sock")).doesNotExist();
        assertThat(qemu.qmp().isOpen()).isFalse();
    }

    @Test
    void killNineIsACrashWithTheSignalsExitStatus() throws Exception {
        QemuProcess qemu = startRunning(TestGuest.IDLE);

        ProcessHandle.of(qemu.handle().pid()).orElseThrow().destroyForcibly();

        QemuExit exit = qemu.exit().get(END.toSeconds(), TimeUnit.SECONDS);
        assertThat(exit).isInstanceOfSatisfying(QemuExit.Crashed.class,
                c -> assertThat(c.exitStatus()).isEqualTo(OptionalInt.of(128 + 9)));
        assertThat(dir.resolve("qmp.sock")).doesNotExist();
        assertThat(dir.resolve("console.sock")).doesNotExist();
    }

    @Test
    void sigtermFromOutsideIsAHostSignalShutdown() throws Exception {
        QemuProcess qemu = startRunning(TestGuest.IDLE);

        ProcessHandle.of(qemu.handle().pid()).orElseThrow().destroy();

        assertThat(qemu.exit().get(END.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo(new QemuExit.Shutdown(Cause.HOST_SIGNAL, false));
    }

    @Test
    void aFrozenQemuIsKilledAfterQuitAndSigtermGoUnanswered() throws Exception {
        QemuProcess qemu = startRunning(TestGuest.IDLE);
        assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(qemu.handle().pid())).start().waitFor()).isZero();

        long begin = System.nanoTime();
        QemuExit exit = qemu.terminate(Duration.ofMillis(300), Duration.ofMillis(300));

        assertThat(exit).isEqualTo(new QemuExit.Killed());
        assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(5));
        assertThat(dir.resolve("qmp.sock")).doesNotExist();
    }

    @Test
    void withQmpGoneTerminateGoesStraightToSigterm() throws Exception {
        QemuProcess qemu = startRunning(TestGuest.IDLE);
        qemu.qmp().close();

        long begin = System.nanoTime();
        QemuExit exit = qemu.terminate(Duration.ofSeconds(30), QUIT);

        assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(5));
        // QEMU shut down cleanly on SIGTERM, but with QMP closed nobody heard its SHUTDOWN event; its log did.
        assertThat(exit).isInstanceOfSatisfying(QemuExit.Crashed.class, c -> {
            assertThat(c.exitStatus()).isEqualTo(OptionalInt.of(0));
            assertThat(c.lastWords()).contains("terminating on signal 15");
        });
        assertThat(qemu.isAlive()).isFalse();
    }

    @Test
    void aGuestPoweroffEndsQemuAsAGuestShutdown() throws Exception {
        QemuProcess qemu = startRunning(TestGuest.POWEROFF);
        assertThat(qemu.exit().get(END.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo(new QemuExit.Shutdown(Cause.GUEST_SHUTDOWN, true));
    }

    @Test
    void withNoShutdownAPoweredOffGuestWaitsAndKeepsItsReasonThroughTheQuit() throws Exception {
        QemuProcess qemu = startRunning(TestGuest.POWEROFF, "-no-shutdown");
        awaitStatus(qemu, "shutdown");
        assertThat(qemu.isAlive()).isTrue();

        assertThat(qemu.terminate(QUIT, QUIT)).isEqualTo(new QemuExit.Shutdown(Cause.GUEST_SHUTDOWN, true));
    }

    @Test
    void aGuestResetUnderNoRebootIsAGuestResetShutdown() throws Exception {
        QemuProcess qemu = startRunning(TestGuest.RESET, "-action", "reboot=shutdown");
        assertThat(qemu.exit().get(END.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo(new QemuExit.Shutdown(Cause.GUEST_RESET, true));
    }

    @Test
    void aPvpanicIsReportedAsGuestPanicked() throws Exception {
        QemuProcess qemu = startRunning(TestGuest.PANIC, "-device", "pvpanic");
        assertThat(qemu.exit().get(END.toSeconds(), TimeUnit.SECONDS)).isEqualTo(new QemuExit.Panicked("poweroff"));
    }

    @Test
    void aPvpanicUnderPanicPauseLeavesQemuPausedAndIsStillThePanicAfterTheQuit() throws Exception {
        BlockingQueue<QmpEvent> events = new LinkedBlockingQueue<>();
        QemuProcess qemu = start(TestGuest.launch(dir, TestGuest.PANIC,
                "-device", "pvpanic", "-no-shutdown", "-action", "panic=pause"));
        qemu.qmp().subscribe(events::add);
        qemu.qmp().cont();

        QmpEvent panic = next(events, "GUEST_PANICKED");
        assertThat(panic.data().path("action").asText()).isEqualTo("pause");
        assertThat(qemu.qmp().queryStatus()).isEqualTo(new QmpStatus("guest-panicked", false));

        assertThat(qemu.terminate(QUIT, QUIT)).isEqualTo(new QemuExit.Panicked("pause"));
    }

    @Test
    void aFreshObjectReattachesFromTheHandle() throws Exception {
        QemuProcess first = startRunning(TestGuest.IDLE);
        QemuHandle handle = first.handle();
        first.detach();
        assertThat(first.exit()).isCompletedExceptionally();
        assertThat(ProcStat.read(handle.pid())).isPresent();

        QemuProcess again = QemuProcess.attach(handle, START);

        assertThat(again.handle()).isEqualTo(handle);
        assertThat(again.qmp().queryStatus()).isEqualTo(new QmpStatus("running", true));
        again.qmp().stop();
        assertThat(again.qmp().queryStatus().status()).isEqualTo("paused");
        assertThat(again.terminate(QUIT, QUIT)).isEqualTo(new QemuExit.Shutdown(Cause.HOST_QMP_QUIT, false));
        assertThat(dir.resolve("qmp.sock")).doesNotExist();
    }

    @Test
    void aReattachedQemuKilledFromOutsideIsACrashWithoutStatus() throws Exception {
        QemuProcess first = startRunning(TestGuest.IDLE);
        first.detach();
        QemuProcess again = QemuProcess.attach(first.handle(), START);

        ProcessHandle.of(first.handle().pid()).orElseThrow().destroyForcibly();

        assertThat(again.exit().get(END.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOfSatisfying(QemuExit.Crashed.class, c -> assertThat(c.exitStatus()).isEmpty());
        assertThat(dir.resolve("qmp.sock")).doesNotExist();
    }

    @Test
    void attachRefusesAnEndedQemuAPidReusedAndAPidOfAnotherProgram() throws Exception {
        QemuProcess qemu = startRunning(TestGuest.IDLE);
        QemuHandle handle = qemu.handle();

        QemuHandle laterProcess = new QemuHandle(handle.pid(), handle.startTime() + 1, handle.qmpSocket(),
                handle.serialLog(), handle.processLog(), handle.sockets());
        assertThatThrownBy(() -> QemuProcess.attach(laterProcess, START))
                .isInstanceOfSatisfying(QemuProcessException.class, e -> assertThat(e.reason()).isEqualTo(Reason.GONE))
                .hasMessageContaining("the pid now belongs to a process started later");

        QemuHandle otherSocket = new QemuHandle(handle.pid(), handle.startTime(), dir.resolve("other.sock"),
                handle.serialLog(), handle.processLog(), handle.sockets());
        assertThatThrownBy(() -> QemuProcess.attach(otherSocket, START))
                .isInstanceOfSatisfying(QemuProcessException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.NOT_THAT_QEMU));

        qemu.terminate(QUIT, QUIT);
        assertThatThrownBy(() -> QemuProcess.attach(handle, START))
                .isInstanceOfSatisfying(QemuProcessException.class, e -> assertThat(e.reason()).isEqualTo(Reason.GONE))
                .hasMessage("QEMU pid " + handle.pid() + " (QMP " + handle.qmpSocket() + ") is not running");
    }

    @Test
    void attachFailsClearlyWhileAnotherClientHoldsQmpAndKillThenEndsIt() throws Exception {
        QemuProcess qemu = startRunning(TestGuest.IDLE); // still holds the one QMP connection
        QemuHandle handle = qemu.handle();

        assertThatThrownBy(() -> QemuProcess.attach(handle, Duration.ofMillis(500)))
                .isInstanceOfSatisfying(QemuProcessException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.QMP_UNREACHABLE))
                .hasMessageContaining("no QMP greeting");

        QemuProcess.kill(handle);
        assertThat(ProcStat.read(handle.pid()).filter(s -> !s.isZombie())).isEmpty();
        assertThat(dir.resolve("qmp.sock")).doesNotExist();
    }

    @Test
    void qemuSurvivesItsDaemonBeingKilledWithItsWholeProcessGroup() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process daemon = new ProcessBuilder("setsid", java, "-cp", System.getProperty("java.class.path"),
                DaemonStandIn.class.getName(), dir.toString())
                .redirectInput(new File("/dev/null"))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("daemon.log").toFile())
                .start();
        helpers.add(daemon);
        Path handleFile = dir.resolve("handle.json");
        for (int i = 0; i < 300 && !Files.exists(handleFile) && daemon.isAlive(); i++) Thread.sleep(50);
        assertThat(handleFile).as("daemon log: %s", readQuietly(dir.resolve("daemon.log"))).exists();
        QemuHandle handle = new ObjectMapper().readValue(Files.readString(handleFile), QemuHandle.class);
        started.add(handle);

        // What a service manager or a Ctrl-C does: SIGKILL to the daemon's whole process group.
        assertThat(new ProcessBuilder("kill", "-KILL", "--", "-" + daemon.pid()).start().waitFor()).isZero();
        daemon.waitFor();

        QemuProcess qemu = QemuProcess.attach(handle, START);
        assertThat(qemu.qmp().queryStatus()).isEqualTo(new QmpStatus("running", true));
        assertThat(qemu.terminate(QUIT, QUIT)).isEqualTo(new QemuExit.Shutdown(Cause.HOST_QMP_QUIT, false));
    }

    @Test
    void aStartThatQemuRejectsFailsWithQemusOwnWords() throws Exception {
        QemuLaunch launch = TestGuest.launch(dir, TestGuest.IDLE, "-no-such-option");
        assertThatThrownBy(() -> start(launch))
                .isInstanceOfSatisfying(QemuProcessException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.START_FAILED))
                .hasMessageContaining("exited with status 1 before its QMP monitor answered")
                .hasMessageContaining("-no-such-option: invalid option");
    }

    @Test
    void aStartWhoseQmpNeverAnswersTimesOutAndKillsTheProcess() throws Exception {
        Path socket = dir.resolve("qmp.sock");
        QemuLaunch launch = new QemuLaunch(List.of("sh", "-c", "sleep 60", socket.toString()), socket, dir.resolve("serial.log"),
                dir.resolve("qemu.log"), List.of());
        assertThatThrownBy(() -> QemuProcess.start(launch, Duration.ofMillis(500)))
                .isInstanceOfSatisfying(QemuProcessException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.START_TIMED_OUT));
        assertThat(ProcessHandle.allProcesses().anyMatch(p -> p.info().arguments()
                .map(a -> List.of(a).contains(socket.toString())).orElse(false))).isFalse();
    }

    @Test
    void aSocketALiveQemuServesIsNotTakenButAStaleOneIs() throws Exception {
        Path socket = dir.resolve("qmp.sock");
        try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            live.bind(UnixDomainSocketAddress.of(socket));
            assertThatThrownBy(() -> start(TestGuest.launch(dir, TestGuest.IDLE)))
                    .isInstanceOfSatisfying(QemuProcessException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.SOCKET_IN_USE));
        }
        assertThat(socket).exists(); // closing a bound channel leaves the file: now stale
        QemuProcess qemu = start(TestGuest.launch(dir, TestGuest.IDLE));
        assertThat(qemu.qmp().queryStatus().status()).isEqualTo("prelaunch");
    }

    private static QmpEvent next(BlockingQueue<QmpEvent> events, String name) throws InterruptedException {
        long deadline = System.nanoTime() + END.toNanos();
        while (System.nanoTime() < deadline) {
            QmpEvent e = events.poll(100, TimeUnit.MILLISECONDS);
            if (e != null && e.name().equals(name)) return e;
        }
        throw new AssertionError("no " + name + " event within " + END);
    }

    private static void awaitStatus(QemuProcess qemu, String status) throws Exception {
        long deadline = System.nanoTime() + END.toNanos();
        while (!qemu.qmp().queryStatus().status().equals(status)) {
            if (System.nanoTime() > deadline) throw new AssertionError("QEMU never reached status " + status);
            Thread.sleep(20);
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
