package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.config.ConfigLoader;
import org.vmhost.config.DomainConfig;
import org.vmhost.qemu.QemuExit.Cause;
import org.vmhost.qemu.qmp.QmpEvent;

/**
 * The built guests (bin/vmhost-build-guests; system property {@code vmhost.images}, default
 * /var/lib/vmhost/images) under TCG, launched as xend launches them: argv from {@link QemuCommandLine}
 * for config text, {@code -S}, {@link QemuProcess}. The pv guest is microvm with the uncompressed
 * vmlinux (PVH entry, about 0.5 s quicker than vmlinuz), its initrd and pv-disk.qcow2 as xvda; the hvm
 * guest boots a copy of hvm-disk.raw as hda through SeaBIOS. Each test reads the console log QEMU writes
 * and types into the console socket.
 */
@Tag("guest")
class GuestBootTest {
    private static final Path IMAGES = Path.of(System.getProperty("vmhost.images", "/var/lib/vmhost/images"));
    private static final String READY = "vmhost-guest: ready";
    private static final String POWER_OFF = "vmhost-guest: power button, powering off";
    private static final Duration BOOT = Duration.ofSeconds(60);
    private static final Duration STEP = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final List<QemuHandle> started = new ArrayList<>();
    private final List<Console> consoles = new ArrayList<>();

    @AfterEach
    void killWhatWasStarted() throws Exception {
        for (Console console : consoles) console.close();
        for (QemuHandle handle : started) QemuProcess.kill(handle); // by recorded pid, if still that QEMU
    }

    @Test
    void thePvGuestPausesResumesAndPowersOffOnThePowerButton() throws Exception {
        Guest guest = boot(pvConfig(""));

        assertThat(guest.log()).contains("vmhost-guest: machine microvm", "vmhost-guest: console ttyS0",
                "vmhost-guest: disks vda(", "vmhost-guest: nics eth0(00:16:3e:0a:0b:0c)");
        pauseResumeAndPowerOff(guest);
    }

    @Test
    void theHvmGuestPausesResumesAndPowersOffOnThePowerButton() throws Exception {
        Guest guest = boot(hvmConfig());

        assertThat(guest.log()).contains("vmhost-guest: machine Standard PC (i440FX", "vmhost-guest: console ttyS0",
                "vmhost-guest: disks sda(64M)");
        pauseResumeAndPowerOff(guest);
    }

    @Test
    void aPvKernelPanicIsReportedAsGuestPanickedEvenOnTheVirtioConsole() throws Exception {
        // console=hvc0, as Xen pv configs have it: the console is a virtio console, and typing on it works.
        Guest guest = boot(pvConfig("console=hvc0"));
        assertThat(guest.log()).contains("vmhost-guest: console hvc0");

        panic(guest);
    }

    @Test
    void anHvmKernelPanicIsReportedAsGuestPanicked() throws Exception {
        panic(boot(hvmConfig()));
    }

    @Test
    void aRebootWithOnRebootDestroyStopsQemuAsAGuestReset() throws Exception {
        Guest guest = boot(pvConfig("") + "on_reboot = \"destroy\"\n");

        QmpEvent shutdown = guest.typeUntil("reboot -f\n", "SHUTDOWN");
        assertThat(shutdown.data().path("reason").asText()).isEqualTo("guest-reset");
        assertThat(guest.qemu().qmp().queryStatus().status()).isEqualTo("shutdown");
        assertThat(guest.qemu().terminate(Duration.ofSeconds(5), Duration.ofSeconds(5)))
                .isEqualTo(new QemuExit.Shutdown(Cause.GUEST_RESET, true));
    }

    @Test
    void aQemuKilledWithSigkillIsReportedAsCrashed() throws Exception {
        Guest guest = boot(pvConfig(""));

        ProcessHandle.of(guest.qemu().handle().pid()).orElseThrow().destroyForcibly();

        QemuExit exit = guest.qemu().exit().get(STEP.toSeconds(), TimeUnit.SECONDS);
        assertThat(exit).isInstanceOfSatisfying(QemuExit.Crashed.class,
                crashed -> assertThat(crashed.exitStatus()).isEqualTo(OptionalInt.of(128 + 9)));
        assertThat(Files.exists(guest.qemu().handle().qmpSocket())).as("QMP socket removed").isFalse();
    }

    /** The reliability claim of tsc_early_khz: the pv guest reaches readiness every time. */
    @Test
    void thePvGuestReachesReadinessFiveTimesInARow() throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            Guest guest = boot(pvConfig(""), "boot" + i);
            millis.add((System.nanoTime() - t0) / 1_000_000);
            assertThat(guest.qemu().terminate(Duration.ofSeconds(5), Duration.ofSeconds(5)))
                    .isEqualTo(new QemuExit.Shutdown(Cause.HOST_QMP_QUIT, false));
        }
        System.out.println("pv boots to readiness, ms: " + millis);
    }

    private void pauseResumeAndPowerOff(Guest guest) throws Exception {
        var qmp = guest.qemu().qmp();
        answers(guest);

        qmp.stop();
        assertThat(qmp.queryStatus().status()).isEqualTo("paused");
        qmp.cont();
        assertThat(qmp.queryStatus().status()).isEqualTo("running");
        answers(guest);

        qmp.systemPowerdown();
        QmpEvent shutdown = guest.await("SHUTDOWN");
        assertThat(shutdown.data().path("reason").asText()).isEqualTo("guest-shutdown");
        assertThat(shutdown.data().path("guest").asBoolean()).isTrue();
        assertThat(guest.log()).contains(POWER_OFF);
        // -no-shutdown: QEMU stays, stopped, until the lifecycle decides.
        assertThat(qmp.queryStatus().status()).isEqualTo("shutdown");
        assertThat(guest.qemu().isAlive()).isTrue();
        assertThat(guest.qemu().terminate(Duration.ofSeconds(5), Duration.ofSeconds(5)))
                .isEqualTo(new QemuExit.Shutdown(Cause.GUEST_SHUTDOWN, true));
    }

    private void panic(Guest guest) throws Exception {
        QmpEvent panicked = guest.typeUntil("echo c > /proc/sysrq-trigger\n", "GUEST_PANICKED");
        assertThat(panicked.data().path("action").asText()).isEqualTo("pause");
        assertThat(guest.qemu().qmp().queryStatus().status()).isEqualTo("guest-panicked");
        assertThat(guest.qemu().isAlive()).isTrue();
        assertThat(guest.qemu().terminate(Duration.ofSeconds(5), Duration.ofSeconds(5)))
                .isEqualTo(new QemuExit.Panicked("pause"));
    }

    /** Types a command whose output differs from its echo, and waits for the output. */
    private static void answers(Guest guest) throws Exception {
        String nonce = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        String reply = "hello-42-" + nonce;
        long deadline = System.nanoTime() + STEP.toNanos();
        while (!guest.log().contains(reply)) {
            // Again if the first went unanswered: the shell may not have been reading yet.
            guest.console().type("echo hello-$((6*7))-" + nonce + "\n");
            long retry = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!guest.log().contains(reply) && System.nanoTime() < retry) Thread.sleep(50);
            if (System.nanoTime() > deadline) throw new AssertionError("no reply " + reply + " on the console:\n" + guest.tail());
        }
    }

    private String pvConfig(String extra) throws IOException {
        Path disk = dir.resolve("pv-disk.qcow2");
        if (!Files.exists(disk)) Files.copy(IMAGES.resolve("pv-disk.qcow2"), disk);
        return """
                name = "pv-guest"
                memory = 256
                kernel = "%s"
                ramdisk = "%s"
                extra = "vmhost.dhcp=0 %s"
                disk = [ "tap:qcow2:%s,xvda,w" ]
                vif = [ "mac=00:16:3e:0a:0b:0c" ]
                """.formatted(IMAGES.resolve("vmlinux"), IMAGES.resolve("initrd.img"), extra, disk);
    }

    private String hvmConfig() throws IOException {
        Path disk = dir.resolve("hvm-disk.raw");
        Files.copy(IMAGES.resolve("hvm-disk.raw"), disk);
        return """
                builder = "hvm"
                name = "hvm-guest"
                memory = 256
                disk = [ "file:%s,hda,w" ]
                boot = "c"
                nographic = 1
                """.formatted(disk);
    }

    private Guest boot(String configText) throws Exception {
        return boot(configText, "run");
    }

    /** Starts the domain of {@code configText} as xend would and waits for the readiness line. */
    private Guest boot(String configText, String tag) throws Exception {
        assertThat(IMAGES.resolve("initrd.img")).as("guest images (run bin/vmhost-build-guests)").exists();
        DomainConfig config = ConfigLoader.parse(tag + ".cfg", configText, List.of()).config();
        Path run = Files.createDirectories(dir.resolve(tag));
        List<NicAttachment> nics = config.vifs().stream()
                .map(v -> new NicAttachment(v.mac().orElseThrow(), new NicAttachment.User())).toList();
        LaunchContext ctx = new LaunchContext(Path.of("qemu-system-x86_64"), "tcg", UUID.randomUUID(),
                run.resolve("qmp.sock"), run.resolve("console.sock"), run.resolve("console.log"), nics,
                OptionalInt.empty(), HostTsc.khz());
        List<String> argv = new ArrayList<>(QemuCommandLine.build(config, ctx));
        argv.add("-S");
        QemuProcess qemu = QemuProcess.start(new QemuLaunch(argv, ctx.qmpSocket(), ctx.consoleLog(),
                run.resolve("qemu.log"), List.of(ctx.consoleSocket())), Duration.ofSeconds(10));
        started.add(qemu.handle());
        BlockingQueue<QmpEvent> events = new LinkedBlockingQueue<>();
        qemu.qmp().subscribe(events::add);
        Console console = new Console(ctx.consoleSocket());
        consoles.add(console);
        qemu.qmp().cont();
        Guest guest = new Guest(qemu, ctx.consoleLog(), console, events);
        long deadline = System.nanoTime() + BOOT.toNanos();
        while (!guest.log().contains(READY)) {
            if (System.nanoTime() > deadline || !qemu.isAlive()) {
                throw new AssertionError((qemu.isAlive() ? "guest not ready within " + BOOT : "QEMU ended: "
                        + QemuProcess.lastWords(run.resolve("qemu.log"), "")) + "; console:\n" + guest.tail());
            }
            Thread.sleep(50);
        }
        return guest;
    }

    private record Guest(QemuProcess qemu, Path consoleLog, Console console, BlockingQueue<QmpEvent> events) {
        String log() throws IOException {
            return Files.exists(consoleLog) ? Files.readString(consoleLog, StandardCharsets.ISO_8859_1) : "";
        }

        String tail() {
            List<String> lines;
            try {
                lines = log().lines().toList();
            } catch (IOException e) {
                return "(console log unreadable: " + e.getMessage() + ")";
            }
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        }

        /** The next event named {@code name}, skipping others. */
        QmpEvent await(String name) throws Exception {
            return await(name, STEP).orElseThrow(() -> new AssertionError("no " + name + " event within " + STEP
                    + "; console:\n" + tail()));
        }

        /**
         * Types {@code command} until event {@code name} comes: again every 5 s, since a command typed
         * before the shell reads may be lost.
         */
        QmpEvent typeUntil(String command, String name) throws Exception {
            long deadline = System.nanoTime() + STEP.toNanos();
            while (System.nanoTime() < deadline) {
                console.type(command);
                Optional<QmpEvent> e = await(name, Duration.ofSeconds(5));
                if (e.isPresent()) return e.get();
            }
            throw new AssertionError("no " + name + " event within " + STEP + " of typing " + command.strip()
                    + "; console:\n" + tail());
        }

        private Optional<QmpEvent> await(String name, Duration limit) throws InterruptedException {
            long deadline = System.nanoTime() + limit.toNanos();
            while (true) {
                QmpEvent e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (e == null) return Optional.empty();
                if (e.name().equals(name)) return Optional.of(e);
            }
        }
    }

    /**
     * A connection to the console socket, held for the whole test as xm console would hold it. What the
     * guest writes is read and dropped (the tests read QEMU's console log): unread, it would fill the
     * socket and stall the guest's serial port.
     */
    private static final class Console implements AutoCloseable {
        private final SocketChannel channel;

        Console(Path socket) throws IOException {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
            Thread.ofVirtual().name("console-drain").start(() -> {
                ByteBuffer in = ByteBuffer.allocate(8192);
                try {
                    while (channel.read(in.clear()) >= 0) { }
                } catch (IOException closed) {
                    // the test is over, or QEMU is gone
                }
            });
        }

        void type(String text) throws IOException {
            ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) channel.write(out);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
