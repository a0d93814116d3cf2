package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.qemu.QemuExit.Cause;

/**
 * A real Linux guest (the images of bin/vmhost-build-guests, found through the system property
 * {@code vmhost.images}, default /var/lib/vmhost/images) ending the ways only a kernel can: a panic
 * reported through pvpanic, and a power-off on the ACPI power button.
 */
@Tag("guest")
class QemuProcessLinuxGuestTest {
    private static final Path IMAGES = Path.of(System.getProperty("vmhost.images", "/var/lib/vmhost/images"));
    private static final String READY = "vmhost-guest: ready";
    private static final Duration BOOT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private final List<QemuHandle> started = new ArrayList<>();

    @AfterEach
    void killWhatWasStarted() throws Exception {
        for (QemuHandle handle : started) QemuProcess.kill(handle);
    }

    @Test
    void aKernelPanicIsReportedThroughPvpanicAsGuestPanicked() throws Exception {
        QemuProcess qemu = boot();

        type("echo c > /proc/sysrq-trigger\n");

        assertThat(qemu.exit().get(BOOT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(new QemuExit.Panicked("poweroff"));
        assertThat(Files.readString(dir.resolve("serial.log"))).contains("Kernel panic");
    }

    @Test
    void theAcpiPowerButtonPowersTheGuestOffAsAGuestShutdown() throws Exception {
        QemuProcess qemu = boot();

        qemu.qmp().systemPowerdown();

        assertThat(qemu.exit().get(BOOT.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo(new QemuExit.Shutdown(Cause.GUEST_SHUTDOWN, true));
    }

    /** Boots the kernel and initramfs directly on a pc machine with pvpanic, until the readiness line. */
    private QemuProcess boot() throws Exception {
        Path kernel = Files.exists(IMAGES.resolve("vmlinux")) ? IMAGES.resolve("vmlinux") : IMAGES.resolve("vmlinuz");
        Path initrd = IMAGES.resolve("initrd.img");
        assertThat(initrd).as("guest images (run bin/vmhost-build-guests)").exists();
        Path qmp = dir.resolve("qmp.sock");
        Path console = dir.resolve("console.sock");
        Path serialLog = dir.resolve("serial.log");
        List<String> argv = List.of("qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none",
                "-machine", "pc", "-accel", "tcg", "-m", "256", "-S",
                "-kernel", kernel.toString(), "-initrd", initrd.toString(), "-append", "console=ttyS0 vmhost.dhcp=0",
                "-chardev", "socket,id=qmp,path=" + qmp + ",server=on,wait=off",
                "-mon", "chardev=qmp,mode=control",
                "-chardev", "socket,id=serial0,path=" + console + ",server=on,wait=off,logfile=" + serialLog,
                "-serial", "chardev:serial0",
                "-device", "pvpanic");
        QemuProcess qemu = QemuProcess.start(new QemuLaunch(argv, qmp, serialLog, dir.resolve("qemu.log"),
                List.of(console)), Duration.ofSeconds(10));
        started.add(qemu.handle());
        qemu.qmp().cont();
        long deadline = System.nanoTime() + BOOT.toNanos();
        while (!Files.exists(serialLog) || !Files.readString(serialLog, StandardCharsets.ISO_8859_1).contains(READY)) {
            if (System.nanoTime() > deadline) throw new AssertionError("guest not ready within " + BOOT);
            Thread.sleep(100);
        }
        return qemu;
    }

    private void type(String text) throws Exception {
        try (SocketChannel console = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            console.connect(UnixDomainSocketAddress.of(dir.resolve("console.sock")));
            ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) console.write(out);
            Thread.sleep(200); // let QEMU read it before the connection goes
        }
    }
}
