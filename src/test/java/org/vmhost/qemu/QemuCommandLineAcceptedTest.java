package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmhost.config.ConfigLoader;
import org.vmhost.config.DiskBackend;
import org.vmhost.config.DiskConfig;
import org.vmhost.config.DiskFormat;
import org.vmhost.config.DiskSpec;
import org.vmhost.config.DomainConfig;
import org.vmhost.config.DomainType;
import org.vmhost.config.NbdExport;
import org.vmhost.config.VfbConfig;
import org.vmhost.qemu.QemuProcessException.Reason;

/**
 * QEMU itself accepts every golden argv: each golden config, with its files made real (empty images of the
 * right format under the test's directory, keeping their odd names; a loop device for each {@code phy:}
 * disk; the built guest kernel and initrd), starts with {@code -S} and answers QMP with status
 * {@code prelaunch}. This catches misspelt options and properties, which the golden files alone would
 * keep. Needs root for the loop devices and taps.
 */
@Tag("guest")
class QemuCommandLineAcceptedTest {
    private static final Path IMAGES = Path.of(System.getProperty("vmhost.images", "/var/lib/vmhost/images"));
    private static final Duration START = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private final List<QemuHandle> started = new ArrayList<>();
    private final List<String> loops = new ArrayList<>();
    private final List<Process> nbdServers = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (QemuHandle handle : started) QemuProcess.kill(handle); // by recorded pid, if still that QEMU
        for (String loop : loops) run("losetup", "-d", loop);
        for (Process nbd : nbdServers) {
            nbd.destroy(); // the qemu-nbd this test started, by its own handle
            nbd.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static List<String> cases() throws IOException {
        return QemuCommandLineGoldenTest.cases().toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void qemuStartsWithTheGoldenArgv(String name) throws Exception {
        DomainConfig golden = QemuCommandLineGoldenTest.load(name, List.of());
        DomainConfig config = QemuCommandLineGoldenTest.load(name, realFiles(golden));
        assertThat(config.disks()).extracting(DiskConfig::vdev).containsExactlyElementsOf(
                golden.disks().stream().map(DiskConfig::vdev).toList());

        QemuProcess qemu = start(config, "q");

        assertThat(qemu.qmp().queryStatus().status()).isEqualTo("prelaunch");
        assertThat(qemu.terminate(Duration.ofSeconds(5), Duration.ofSeconds(5)))
                .isEqualTo(new QemuExit.Shutdown(QemuExit.Cause.HOST_QMP_QUIT, false));
    }

    @Test
    void aSharedWritableDiskOpensInTwoDomainsAtOnceAndAPlainWritableOneDoesNot() throws Exception {
        Path image = dir.resolve("shared.raw");
        image(image, DiskFormat.RAW);
        String shared = "builder = 'hvm'\nname = 'shared'\nnographic = 1\ndisk = [ 'file:" + image + ",xvda,w!' ]\n";
        String plain = shared.replace(",w!'", ",w'");

        start(ConfigLoader.parse("a.cfg", shared, List.of()).config(), "a");
        start(ConfigLoader.parse("b.cfg", shared, List.of()).config(), "b");
        assertThatThrownBy(() -> start(ConfigLoader.parse("c.cfg", plain, List.of()).config(), "c"))
                .isInstanceOfSatisfying(QemuProcessException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.START_FAILED);
                    assertThat(e.getMessage()).contains("lock");
                });
    }

    /** Starts QEMU paused with the argv of {@code config}, its sockets and logs under {@code dir/tag}. */
    private QemuProcess start(DomainConfig config, String tag) throws Exception {
        Path run = Files.createDirectories(dir.resolve(tag));
        int domid = freeVncDisplay();
        LaunchContext golden = QemuCommandLineGoldenTest.context(config, Path.of("qemu-system-x86_64"),
                run.resolve("qmp.sock"), run.resolve("console.sock"), run.resolve("console.log"), domid);
        // Taps under names of this test's own, which QEMU (as root) makes and removes with itself.
        List<NicAttachment> nics = new ArrayList<>();
        for (NicAttachment nic : golden.nics()) {
            nics.add(nic.backend() instanceof NicAttachment.Tap
                    ? new NicAttachment(nic.mac(), new NicAttachment.Tap("vmacc" + ProcessHandle.current().pid() % 10_000_000 + "." + nics.size()))
                    : nic);
        }
        LaunchContext ctx = new LaunchContext(golden.emulator(), golden.accelerator(), golden.uuid(), golden.qmpSocket(),
                golden.consoleSocket(), golden.consoleLog(), nics, golden.vncDisplay(), golden.tscKhz(), golden.runAs(),
                golden.vncSocket());
        List<String> argv = new ArrayList<>(QemuCommandLine.build(config, ctx));
        argv.add("-S");
        QemuProcess qemu = QemuProcess.start(new QemuLaunch(argv, ctx.qmpSocket(), ctx.consoleLog(), run.resolve("qemu.log"),
                List.of(ctx.consoleSocket(), ctx.vncSocket())), START);
        started.add(qemu.handle());
        return qemu;
    }

    /**
     * Overrides that put real files where the config names its kernel, ramdisk and disks: the same names
     * under this test's directory (a loop device for a phy: disk), and a free VNC display for a fixed one.
     */
    private List<String> realFiles(DomainConfig config) throws Exception {
        List<String> overrides = new ArrayList<>();
        if (config.type() == DomainType.PV) {
            Path kernel = under(config.kernel().orElseThrow());
            Files.createSymbolicLink(kernel, IMAGES.resolve("vmlinuz"));
            overrides.add("kernel=" + quote(kernel.toString()));
            if (config.ramdisk().isPresent()) {
                Path ramdisk = under(config.ramdisk().get());
                Files.createSymbolicLink(ramdisk, IMAGES.resolve("initrd.img"));
                overrides.add("ramdisk=" + quote(ramdisk.toString()));
            }
        }
        List<String> disks = new ArrayList<>();
        for (DiskConfig disk : config.disks()) {
            Optional<String> target = disk.target();
            if (disk.nbd().isPresent()) {
                target = Optional.of(nbdServer(disk).url());
            } else if (target.isPresent()) {
                Path file = under(target.get());
                image(file, disk.backend() == DiskBackend.PHY ? DiskFormat.RAW : disk.format());
                target = Optional.of(disk.backend() == DiskBackend.PHY ? loop(file) : file.toString());
            }
            disks.add(quote(DiskSpec.format(new DiskConfig(disk.vdev(), target, disk.backend(), disk.format(),
                    disk.access(), disk.cdrom()))));
        }
        if (!disks.isEmpty()) overrides.add("disk=[" + String.join(",", disks) + "]");
        Optional<VfbConfig> vnc = config.vfbs().stream().filter(VfbConfig::vnc).findFirst();
        if (vnc.isPresent() && vnc.get().vncdisplay().isPresent()) overrides.add("vncdisplay=" + freeVncDisplay());
        return overrides;
    }

    /**
     * A qemu-nbd on a free local port exporting a new image under the disk's export name, read-only when the
     * disk is; it is stopped after the test.
     */
    private NbdExport nbdServer(DiskConfig disk) throws Exception {
        NbdExport golden = disk.nbd().orElseThrow();
        Path file = dir.resolve("nbd-" + disk.vdev() + ".img");
        image(file, disk.format());
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of("qemu-nbd", "-f", QemuCommandLine.qemuFormat(disk.format()),
                "-b", "127.0.0.1", "-p", Integer.toString(port), "-t", "-x", golden.name().orElse("")));
        if (!disk.access().writable()) command.add("-r");
        command.add(file.toString());
        Process server = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("nbd-" + disk.vdev() + ".log").toFile()).start();
        nbdServers.add(server);
        for (long end = System.nanoTime() + Duration.ofSeconds(10).toNanos(); ; Thread.sleep(50)) {
            try (java.net.Socket probe = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                break;
            } catch (IOException notYet) {
                assertThat(server.isAlive()).as("qemu-nbd: " + Files.readString(dir.resolve("nbd-" + disk.vdev() + ".log"))).isTrue();
                assertThat(System.nanoTime()).as("qemu-nbd listens on port " + port).isLessThan(end);
            }
        }
        return new NbdExport("127.0.0.1", port, golden.name());
    }

    /** {@code path} under the test's directory, its parent made. */
    private Path under(String path) throws IOException {
        Path file = Path.of(dir + "/root" + path);
        Files.createDirectories(file.getParent());
        return file;
    }

    private static void image(Path file, DiskFormat format) throws Exception {
        String qemuFormat = QemuCommandLine.qemuFormat(format);
        run("qemu-img", "create", "-q", "-f", qemuFormat, file.toString(), "1M");
    }

    /** A loop device over {@code file}, detached after the test. */
    private String loop(Path file) throws Exception {
        String device = run("losetup", "--find", "--show", file.toString()).strip();
        loops.add(device);
        return device;
    }

    /** The first VNC display from 100 whose port is free on every address, as far as a bind can tell. */
    private static int freeVncDisplay() throws IOException {
        for (int d = 100 + (int) (ProcessHandle.current().pid() % 200); d < 1000; d++) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 5900 + d));
                return d;
            } catch (IOException taken) {
                // next one
            }
        }
        throw new IOException("no free VNC display from 100 to 999");
    }

    private static String quote(String s) {
        assertThat(s).doesNotContain("\"", "\\");
        return "\"" + s + "\"";
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
        return out;
    }
}
