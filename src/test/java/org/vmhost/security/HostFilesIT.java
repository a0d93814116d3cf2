package org.vmhost.security;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.vmhost.it.XendInstance.IMAGES;
import static org.vmhost.it.XendInstance.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vmhost.it.XendInstance;

/**
 * What a guest and a local user can do to the host's files, with a real guest under a real xend: a guest that
 * floods its console fills no disk, a console client that stops reading holds up nothing, and after all that
 * an ordinary user ({@code nobody}) can read none of xend's files.
 *
 * <p>The home starts as {@code /var/lib/vmhost} is made by the image builder, 0755, so that every file's own
 * mode is what is tested, not only the home's.
 */
@Tag("security")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostFilesIT {
    /** Small, near xend's floor (64 KiB), so that a flood many times over it takes the guest's slow serial port little time. */
    static final long LIMIT = 128 * 1024;
    /** How far past its limit a log may get before the relay sees it: QEMU's socket buffer and a check's stride. */
    static final long SLACK = 256 * 1024;
    /**
     * The output a stalled client must miss: the relay drops a client 1 MiB behind that has taken nothing for 2 s,
     * and the sockets between hold a few hundred KiB more; three times that, ~20 s of a TCG guest's serial port.
     */
    static final long STALL_FLOOD = 3_000_000;
    static XendInstance xend;
    static String uuid;

    @BeforeAll
    static void startXendAndAGuest() throws IOException {
        xend = XendInstance.create();
        Files.setPosixFilePermissions(xend.home(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(xend.home().resolve("xend.conf"), "console_limit = " + LIMIT + "\n");
        xend.xend("start", "--port", "0").requireSuccess(); // TCP too, so that the API token exists
        xend.xm("image-create", "sec1.raw", "64M").requireSuccess();
        xend.xm("create", xend.config("sec1.cfg", """
                name = "sec1"
                type = "pv"
                memory = 256
                kernel = "%s"
                ramdisk = "%s"
                extra = "console=ttyS0 quiet vmhost.dhcp=0"
                disk = [ 'file:%s,xvda,w' ]
                """.formatted(IMAGES.resolve("vmlinuz"), IMAGES.resolve("initrd.img"),
                xend.home().resolve("images/sec1.raw"))).toString()).requireSuccess();
        try (Stream<Path> logs = Files.list(xend.home().resolve("log/console"))) {
            uuid = logs.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log"))
                    .map(n -> n.substring(0, n.length() - 4)).findFirst().orElseThrow();
        }
        await("the guest's readiness line", Duration.ofSeconds(90), () -> consoleText().contains("vmhost-guest: ready"));
    }

    @AfterAll
    static void stopXend() throws IOException {
        if (xend == null) return;
        xend.close();
        assertThat(xend.qemuPids()).as("QEMU processes left behind").isEmpty();
    }

    @Test
    @Order(1)
    void aGuestFloodingItsConsoleFillsNoDiskAndXmConsoleStillShowsItsNewestLines() throws Exception {
        Path log = consoleLog();
        Path previous = log.resolveSibling(log.getFileName() + ".1");
        long flood = 4L * 1024 * 1024; // 32 times the limit: many rotations, ~30 s of a TCG guest's serial port
        typeAndDetach("yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ | head -c " + flood
                + "; echo; echo flood-$((6*7))-done\n");
        long[] largest = new long[2];
        long started = System.nanoTime();
        await("the end of a " + flood + "-byte flood", Duration.ofMinutes(8), () -> {
            largest[0] = Math.max(largest[0], size(log));
            largest[1] = Math.max(largest[1], size(previous));
            return tail(log, previous).contains("flood-42-done");
        });
        System.out.printf("flood of %d bytes took %.1f s; largest log %d, largest .1 %d%n", flood,
                (System.nanoTime() - started) / 1e9, largest[0], largest[1]);
        assertThat(largest[0]).as("largest console log during the flood").isLessThanOrEqualTo(LIMIT + SLACK);
        assertThat(largest[1]).as("largest previous generation").isLessThanOrEqualTo(LIMIT + SLACK);
        try (Stream<Path> files = Files.list(log.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(uuid + ".log", uuid + ".log.1");
        }
        // A client that attaches now sees the newest lines first.
        Process p = xmConsole();
        try {
            String seen = readUntil(p.getInputStream(), "flood-42-done", Duration.ofSeconds(30));
            assertThat(seen).contains("flood-42-done").contains("0123456789abcdefghijklmnopqrstuvwxyzABCDEF");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    @Order(2)
    void aLocalUserCanReadNoneOfXendsFilesNorListItsDirectories() throws Exception {
        Path home = xend.home();
        List<Path> files = new ArrayList<>(List.of(home.resolve("xend.db"), home.resolve("api.token"),
                home.resolve("log/xend.log"), home.resolve("log/xend.out"), consoleLog(),
                home.resolve("log/console/" + uuid + ".log.1"), home.resolve("log/qemu/" + uuid + ".log"),
                home.resolve("images/sec1.raw")));
        for (String journal : List.of("xend.db-wal", "xend.db-shm"))
            if (Files.exists(home.resolve(journal))) files.add(home.resolve(journal));
        List<Path> dirs = List.of(home, home.resolve("run"), home.resolve("run/" + uuid), home.resolve("log"),
                home.resolve("log/console"), home.resolve("log/qemu"), home.resolve("images"));
        for (Path f : files) {
            assertThat(f).exists();
            assertThat(asNobody("cat", f.toString())).as("nobody reading %s", f).isNotZero();
            assertThat(asRoot("cat", f.toString())).as("root reading %s", f).isZero();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as("mode of %s", f).isEqualTo("rw-------");
        }
        for (Path d : dirs) {
            assertThat(asNobody("ls", d.toString())).as("nobody listing %s", d).isNotZero();
            String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(d));
            if (d.equals(home)) assertThat(mode).as("mode of the home, made 0755").isEqualTo("rwx--x--x");
            else assertThat(mode).as("mode of %s", d).isEqualTo("rwx------");
        }
        // The owner (root) still has it all.
        assertThat(xend.xm("list").requireSuccess().out()).contains("sec1");
    }

    @Test
    @Order(3)
    void aConsoleClientThatNeverReadsHoldsUpNeitherOtherClientsNorADestroy() throws Exception {
        Path socket = xend.home().resolve("run/" + uuid + "/xmconsole.sock");
        try (SocketChannel stalled = SocketChannel.open(UnixDomainSocketAddress.of(socket));
             SocketChannel reader = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            AtomicLong received = new AtomicLong();
            ByteArrayOutputStream tail = new ByteArrayOutputStream();
            Thread reading = Thread.ofVirtual().start(() -> {
                ByteBuffer buf = ByteBuffer.allocate(65536);
                try {
                    while (reader.read(buf) >= 0) {
                        received.addAndGet(buf.position());
                        synchronized (tail) {
                            if (tail.size() > 1 << 20) tail.reset();
                            tail.write(buf.array(), 0, buf.position());
                        }
                        buf.clear();
                    }
                } catch (IOException e) {
                    // closed at the end
                }
            });
            reader.write(ByteBuffer.wrap(("yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c " + STALL_FLOOD + "; echo; echo stall-$((6*7))-done\n")
                    .getBytes(ISO_8859_1)));
            await("the other client to receive the whole output", Duration.ofMinutes(5), () -> {
                synchronized (tail) {
                    return tail.toString(ISO_8859_1).contains("stall-42-done");
                }
            });
            assertThat(received.get()).isGreaterThan(STALL_FLOOD);
            // The stalled client was dropped: after what its socket holds comes end-of-file.
            ByteBuffer sink = ByteBuffer.allocate(1 << 16);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            long got = 0;
            int n;
            while ((n = stalled.read(sink)) >= 0) {
                got += n;
                sink.clear();
                assertThat(System.nanoTime()).as("end-of-file on the stalled client").isLessThan(deadline);
            }
            assertThat(got).isLessThan(STALL_FLOOD);
            // And a second stalled client, still connected, does not hold up a destroy.
            try (SocketChannel stalledAgain = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                reader.write(ByteBuffer.wrap("yes | head -c 3000000\n".getBytes(ISO_8859_1)));
                Thread.sleep(2000);
                long before = System.nanoTime();
                xend.xm("destroy", "sec1").requireSuccess();
                Duration took = Duration.ofNanos(System.nanoTime() - before);
                System.out.println("xm destroy with a stalled console client took " + took.toMillis() + " ms");
                assertThat(took).isLessThan(Duration.ofSeconds(15));
            }
            reading.join(Duration.ofSeconds(10));
        }
        assertThat(xend.xm("list").requireSuccess().out()).doesNotContain("sec1");
    }

    // ---- helpers ------------------------------------------------------------------------------

    static Path consoleLog() {
        return xend.home().resolve("log/console/" + uuid + ".log");
    }

    static String consoleText() {
        try {
            return xend.consoleLog(uuid == null ? "none" : uuid);
        } catch (IOException e) {
            return "";
        }
    }

    static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The last 64 KiB written, across the rotation. */
    static String tail(Path log, Path previous) {
        try {
            byte[] cur = Files.exists(log) ? Files.readAllBytes(log) : new byte[0];
            String s = new String(cur, ISO_8859_1);
            if (s.length() < 65536 && Files.exists(previous)) s = new String(Files.readAllBytes(previous), ISO_8859_1) + s;
            return s.substring(Math.max(0, s.length() - 65536));
        } catch (IOException e) {
            return "";
        }
    }

    static Process xmConsole() throws IOException {
        ProcessBuilder pb = new ProcessBuilder(XendInstance.PROJECT.resolve("bin/xm").toString(), "console", "sec1")
                .redirectErrorStream(true);
        pb.environment().put("VMHOST_HOME", xend.home().toString());
        return pb.start();
    }

    static void typeAndDetach(String keys) throws Exception {
        Process p = xmConsole();
        try {
            p.getOutputStream().write((keys + "\u001d").getBytes(ISO_8859_1));
            p.getOutputStream().flush();
            Thread.ofVirtual().start(() -> {
                try {
                    p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                } catch (IOException e) {
                    // ended
                }
            });
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("xm console detached").isTrue();
        } finally {
            p.destroyForcibly();
        }
    }

    static String readUntil(InputStream in, String text, Duration timeout) throws Exception {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        Thread t = Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (seen) {
                        seen.write(buf, 0, n);
                        if (seen.toString(ISO_8859_1).contains(text)) return;
                    }
                }
            } catch (IOException e) {
                // ended
            }
        });
        t.join(timeout);
        synchronized (seen) {
            return seen.toString(ISO_8859_1);
        }
    }

    static int asNobody(String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"));
        cmd.addAll(List.of(command));
        return run(cmd);
    }

    static int asRoot(String... command) throws Exception {
        return run(List.of(command));
    }

    static int run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("%s finished", cmd).isTrue();
        return p.exitValue();
    }
}
