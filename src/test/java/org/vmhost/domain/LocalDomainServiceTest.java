package org.vmhost.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmhost.domain.ServiceFixture.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.qemu.FakeQemuLauncher.FakeQemu;

/**
 * The domain service's lifecycle with a scripted QEMU: every step of a start failing, every on_* action,
 * operations racing on one domain, and xm list while domains start and stop. No QEMU runs; the store is real.
 */
class LocalDomainServiceTest {
    @TempDir
    Path dir;
    ServiceFixture xend;

    @BeforeEach
    void open() throws IOException {
        xend = new ServiceFixture(dir);
    }

    @AfterEach
    void close() {
        xend.close();
    }

    // ---- a start is all or nothing ---------------------------------------------------------------

    @Test
    void aStartedDomainRunsWithItsStatusSavedAndItsVcpusResumedLast() {
        DomainInfo info = xend.service.create(xend.request("web1"), false);

        assertThat(info.state()).isEqualTo(DomainState.RUNNING);
        assertThat(info.domid()).isPresent();
        assertThat(xend.store.statuses()).singleElement().satisfies(s -> assertThat(s.state()).isEqualTo("RUNNING"));
        assertThat(xend.qemu.latest().argv()).contains("-S");
        assertThat(xend.qemu.commands()).last().isEqualTo("cont");
        assertThat(xend.eventKinds("web1")).contains("started");
    }

    /** One step of a start, made to fail; the test then checks that nothing of the start is left. */
    record StartFault(String step, String extraConfig, Fault fault, String message) {
        interface Fault {
            void inject(ServiceFixture xend) throws IOException;
        }

        @Override
        public String toString() {
            return step;
        }
    }

    static Stream<StartFault> startFaults() {
        return Stream.of(
                new StartFault("kernel missing", "kernel = \"/nonexistent/vmlinuz\"", x -> { }, "does not exist"),
                new StartFault("run directory", "", x -> {
                    Files.delete(x.home.runDir());
                    Files.writeString(x.home.runDir(), "a file where the run directory belongs");
                }, "cannot start domain 'web1'"),
                new StartFault("QEMU", "", x -> x.qemu.failStart("qemu: invalid accelerator kvmm"),
                        "qemu: invalid accelerator kvmm"),
                new StartFault("VNC password", "vfb = [ 'vnc=1,vncpasswd=s3cret' ]",
                        x -> x.qemu.failCommand("change-vnc-password", "GenericError", "Could not set password"),
                        "Could not set password"),
                new StartFault("cont", "", x -> x.qemu.failCommand("cont", "GenericError", "cannot resume"),
                        "cannot resume"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("startFaults")
    void aTransientStartThatFailsAtAnyStepLeavesNothingBehind(StartFault fault) throws IOException {
        fault.fault().inject(xend);

        assertThatThrownBy(() -> xend.service.create(xend.request("web1", fault.extraConfig()), false))
                .isInstanceOf(VmhostException.class).hasMessageContaining(fault.message());

        assertNothingOf("web1");
        assertThat(xend.listed("web1")).isFalse();
        assertThat(xend.store.definitions()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("startFaults")
    void aManagedStartThatFailsAtAnyStepLeavesItShutOff(StartFault fault) throws IOException {
        xend.service.define(xend.request("web1", fault.extraConfig()));
        fault.fault().inject(xend);

        assertThatThrownBy(() -> xend.service.start("web1", false))
                .isInstanceOf(VmhostException.class).hasMessageContaining(fault.message());

        assertNothingOf("web1");
        DomainInfo info = xend.service.get("web1");
        assertThat(info.state()).isEqualTo(DomainState.SHUT_OFF);
        assertThat(info.domid()).isEmpty();
        assertThat(xend.store.definitions()).hasSize(1);
    }

    private void assertNothingOf(String name) throws IOException {
        assertThat(xend.qemu.running()).as("QEMUs left running").isEmpty();
        assertThat(xend.store.statuses()).as("status rows").isEmpty();
        if (Files.isDirectory(xend.home.runDir())) {
            try (Stream<Path> dirs = Files.list(xend.home.runDir())) {
                assertThat(dirs.toList()).as("run directories").isEmpty();
            }
        }
    }

    @Test
    void aFailedStartSaysWhyInTheEventLog() {
        xend.qemu.failStart("qemu: could not load kernel");
        assertThatThrownBy(() -> xend.service.create(xend.request("web1"), false)).isInstanceOf(VmhostException.class);
        assertThat(xend.events("web1")).contains("start-failed").contains("could not load kernel");
    }

    @Test
    void aCpuCapBeyondTheVcpusIsRefusedBeforeAnyQemuRuns() throws IOException {
        assertThatThrownBy(() -> xend.service.create(xend.request("web1", "vcpus = 2", "cpu_cap = 250"), false))
                .isInstanceOf(VmhostException.class)
                .hasMessage("cannot start domain 'web1': domain 'web1': cap must be from 0 (none) to 200 (100 x 2 vCPUs), not 250");
        assertThat(xend.qemu.startCount()).as("QEMUs started").isZero();
        assertNothingOf("web1");
        assertThat(xend.listed("web1")).isFalse();
    }

    // ---- what the guest does: on_poweroff, on_reboot, on_crash ---------------------------------------

    enum GuestEvent {
        POWEROFF("on_poweroff") {
            @Override
            void happen(FakeQemu q) {
                q.guestPowersOff();
            }
        },
        REBOOT("on_reboot") {
            @Override
            void happen(FakeQemu q) {
                q.guestReboots();
            }
        },
        PANIC("on_crash") {
            @Override
            void happen(FakeQemu q) {
                q.guestPanics();
            }
        };

        final String key;

        GuestEvent(String key) {
            this.key = key;
        }

        abstract void happen(FakeQemu q);
    }

    static Stream<Arguments> everyActionForEveryEvent() {
        List<Arguments> all = new ArrayList<>();
        for (GuestEvent e : GuestEvent.values()) {
            for (String action : List.of("destroy", "restart", "preserve", "rename-restart", "coredump-destroy",
                    "coredump-restart")) {
                all.add(Arguments.of(e, action));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("everyActionForEveryEvent")
    void eachOnActionDoesWhatItSays(GuestEvent event, String action) {
        xend.service.define(xend.request("g", event.key + " = \"" + action + "\""));
        xend.service.start("g", false);
        FakeQemu q = xend.qemu.latest();
        int commandsBefore = xend.qemu.commands().size();

        event.happen(q);

        switch (action) {
            case "destroy", "coredump-destroy" -> {
                await("the domain to be shut off", () -> xend.state("g") == DomainState.SHUT_OFF);
                assertThat(q.ended()).as("QEMU ended").isTrue();
                assertThat(xend.store.statuses()).isEmpty();
            }
            case "preserve" -> {
                DomainState kept = event == GuestEvent.PANIC ? DomainState.CRASHED : DomainState.SHUTTING_DOWN;
                await("the domain to be preserved", () -> xend.events("g").contains("preserved"));
                assertThat(xend.state("g")).isEqualTo(kept);
                assertThat(q.ended()).as("QEMU kept for inspection").isFalse();
                xend.service.destroy("g");
                assertThat(q.ended()).isTrue();
            }
            default -> {
                if (event == GuestEvent.PANIC) {
                    // xend's rule against restart loops: a crash this soon after the start is not restarted
                    await("the crash to be handled", () -> xend.events("g").contains("kept crashed rather than restarted"));
                    assertThat(xend.state("g")).isEqualTo(DomainState.CRASHED);
                } else {
                    await("the restart", () -> {
                        List<String> commands = xend.qemu.commands(); // one copy: the list grows meanwhile
                        return commands.subList(commandsBefore, commands.size()).containsAll(List.of("system_reset", "cont"));
                    });
                    await("the domain to run", () -> xend.state("g") == DomainState.RUNNING);
                    assertThat(q.ended()).as("restarted in the same QEMU").isFalse();
                    assertThat(q.status()).isEqualTo("running");
                }
            }
        }
        assertThat(xend.listed("g")).as("a managed domain stays defined").isTrue();
    }

    @Test
    void aTransientDomainIsForgottenWhenOnPoweroffDestroysIt() {
        xend.service.create(xend.request("t"), false);
        xend.qemu.latest().guestPowersOff();
        await("t to go", () -> !xend.listed("t"));
        assertThat(xend.store.definitions()).isEmpty();
        assertThat(xend.eventKinds("t")).contains("poweroff");
    }

    @Test
    void aQemuThatDiesIsACrashAndOnCrashDestroyRemovesTheDomain() {
        xend.service.create(xend.request("t", "on_crash = \"destroy\""), false);
        xend.qemu.latest().crash();
        await("t to go", () -> !xend.listed("t"));
        assertThat(xend.events("t")).contains("QEMU ended unexpectedly").contains("Segmentation fault");
    }

    @Test
    void aManagedDomainWhoseQemuDiesAtOnceIsNotRestartedInALoop() {
        xend.service.define(xend.request("m", "on_crash = \"restart\""));
        xend.service.start("m", false);
        xend.qemu.latest().crash();
        await("m to be shut off", () -> xend.eventKinds("m").contains("not-restarted"));
        assertThat(xend.state("m")).isEqualTo(DomainState.SHUT_OFF);
        assertThat(xend.qemu.running()).isEmpty();
    }

    @Test
    void xmRebootRestartsTheGuestWhenItHasShutDown() {
        xend.service.create(xend.request("r", "on_poweroff = \"destroy\""), false);
        FakeQemu q = xend.qemu.latest();
        xend.service.reboot("r", Duration.ZERO);
        assertThat(xend.state("r")).isEqualTo(DomainState.SHUTTING_DOWN);
        q.guestPowersOff();
        await("r to run again", () -> xend.state("r") == DomainState.RUNNING);
        assertThat(q.ended()).isFalse();
    }

    // ---- one job at a time ---------------------------------------------------------------------

    @Test
    void twoStartsOfOneDomainStartOneQemu() throws Exception {
        xend.service.define(xend.request("m"));
        List<Throwable> failures = race(() -> xend.service.start("m", false), () -> xend.service.start("m", false));

        assertThat(failures).singleElement().satisfies(e -> assertThat(((VmhostException) e).code())
                .isEqualTo(ErrorCode.INVALID_STATE));
        assertThat(xend.qemu.running()).hasSize(1);
        assertThat(xend.state("m")).isEqualTo(DomainState.RUNNING);
    }

    @Test
    void aDestroyRacingAShutdownEndsTheDomainOnceAndNeitherSeesATornState() throws Exception {
        xend.service.define(xend.request("m", "on_poweroff = \"destroy\""));
        xend.service.start("m", false);
        FakeQemu q = xend.qemu.latest();
        List<Throwable> failures = race(() -> xend.service.destroy("m"), () -> {
            xend.service.shutdown("m", Duration.ZERO);
            q.guestPowersOff();
        });

        // Whichever came second found the domain shut off, or shutting down, and said so; none failed otherwise.
        assertThat(failures).allSatisfy(e -> assertThat(((VmhostException) e).code()).isEqualTo(ErrorCode.INVALID_STATE));
        await("m to be shut off", () -> xend.state("m") == DomainState.SHUT_OFF);
        assertThat(q.ended()).isTrue();
        assertThat(xend.store.statuses()).isEmpty();
        assertThat(xend.qemu.commands().stream().filter(c -> c.equals("quit"))).hasSize(1);
    }

    @Test
    void aPauseRacingADestroyNeverLeavesAPausedDomainWithoutQemu() throws Exception {
        for (int i = 0; i < 20; i++) {
            String name = "p" + i;
            xend.service.create(xend.request(name), false);
            race(() -> xend.service.pause(name), () -> xend.service.destroy(name));
            assertThat(xend.listed(name)).isFalse();
        }
        assertThat(xend.qemu.running()).isEmpty();
    }

    /** Runs both at once; returns what they threw (VmhostExceptions only; anything else fails the test). */
    private static List<Throwable> race(Runnable a, Runnable b) throws InterruptedException {
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (Runnable r : List.of(a, b)) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    r.run();
                } catch (VmhostException e) {
                    failures.add(e);
                } catch (Throwable e) {
                    failures.add(new AssertionError("not a VmhostException: " + e, e));
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) t.join();
        assertThat(failures).noneMatch(e -> e instanceof AssertionError);
        return failures;
    }

    // ---- reads are snapshots ---------------------------------------------------------------------

    @Test
    void xmListWhileDomainsStartAndStopNeverThrowsNorShowsATornRow() throws Exception {
        for (int i = 0; i < 4; i++) xend.service.define(xend.request("m" + i));
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger lists = new AtomicInteger();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(Thread.ofPlatform().start(() -> {
                while (!done.get()) {
                    try {
                        for (DomainInfo d : xend.service.list()) {
                            String torn = torn(d);
                            if (torn != null) problems.add(torn);
                        }
                        lists.incrementAndGet();
                    } catch (RuntimeException e) {
                        problems.add("list threw " + e);
                    }
                }
            }));
        }
        List<Thread> writers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String name = "m" + i;
            writers.add(Thread.ofPlatform().start(() -> {
                for (int round = 0; round < 15; round++) {
                    xend.service.start(name, false);
                    if (round % 2 == 0) xend.service.pause(name);
                    xend.service.destroy(name);
                }
            }));
        }
        for (Thread w : writers) w.join();
        done.set(true);
        for (Thread r : readers) r.join();

        assertThat(problems).isEmpty();
        assertThat(lists.get()).as("lists taken while the others ran").isGreaterThan(50);
    }

    /** What no single moment of a domain can show; null when the row is whole. */
    private static String torn(DomainInfo d) {
        if (d.name().equals("Domain-0")) return null;
        boolean running = switch (d.state()) {
            case RUNNING, BLOCKED, PAUSED, SHUTTING_DOWN, CRASHED, DYING, REATTACHING, SAVING, MIGRATING -> true;
            case SHUT_OFF, STARTING -> false;
        };
        if (running && d.domid().isEmpty()) return d + ": running without an id";
        if (d.state() == DomainState.SHUT_OFF && (d.domid().isPresent() || d.uptime() != 0)) {
            return d + ": shut off with an id or an uptime";
        }
        return null;
    }
}
