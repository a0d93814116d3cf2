package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.vmhost.resources.CpuController;

/**
 * A private xend for one test class: its own VMHOST_HOME under /tmp (short, for UNIX socket paths), the
 * real bin/xend and bin/xm of this checkout, and a clean-up that leaves no QEMU behind: every domain is
 * destroyed through xm, then any QEMU whose command line names this home is killed by its PID, and the cgroups
 * xend named after this home are removed.
 */
public final class XendInstance implements AutoCloseable {
    public static final Path PROJECT = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    public static final Path IMAGES = Path.of(System.getProperty("vmhost.images", "/var/lib/vmhost/images"));

    private final Path home;
    private final Path configDir;
    private String javaOptions;
    private boolean bridges;
    private List<String> xendPrefix = List.of();

    /** The result of one command: exit status and what it printed. */
    public record Result(int exit, String out, String err) {
        public Result requireSuccess() {
            assertThat(exit).as("exit status; stdout:%n%s%nstderr:%n%s", out, err).isZero();
            return this;
        }
    }

    private XendInstance(Path home) throws IOException {
        this.home = home;
        this.configDir = Files.createDirectories(home.resolve("configs"));
    }

    /**
     * A new home; xend is not started yet. Its guests get user-mode networking ({@code VMHOST_NETWORK=user}),
     * so that tests running side by side never make xenbr0 or fight over tap names; see {@link #withBridges()}.
     */
    public static XendInstance create() throws IOException {
        return new XendInstance(Files.createTempDirectory(Path.of("/tmp"), "vmh-"));
    }

    /** A new home whose xend makes bridges and taps (as root): for the network tests, which name their own bridges. */
    public static XendInstance withBridges() throws IOException {
        XendInstance x = create();
        x.bridges = true;
        return x;
    }

    /**
     * Runs bin/xend through a prefix, e.g. {@code ip netns exec NS ...}, so that this xend (and its QEMUs) live in
     * their own network namespace: the migration tests' second host.
     */
    public XendInstance wrappedIn(List<String> prefix) {
        xendPrefix = List.copyOf(prefix);
        return this;
    }

    public Path home() {
        return home;
    }

    public Path configDir() {
        return configDir;
    }

    public Result xend(String... args) {
        return run(PROJECT.resolve("bin/xend"), List.of(args), Duration.ofSeconds(90));
    }

    /**
     * Returns once xend's start-up recovery has ended: its sweeps of what a start cut short left (a QEMU, taps, a run
     * directory) are done. Listings answer before that; {@code xm vcpu-list}, as every other call, only after.
     */
    public void awaitRecovery() {
        xm("vcpu-list").requireSuccess();
    }

    public Result xm(String... args) {
        return run(PROJECT.resolve("bin/xm"), List.of(args), Duration.ofSeconds(180));
    }

    /** Starts xend on the UNIX socket only, so parallel instances never fight over port 8000. */
    public XendInstance start() {
        xend("start", "--no-tcp").requireSuccess();
        return this;
    }

    /** Starts xend with extra JVM options, e.g. a fault point's system property. */
    public XendInstance startWith(String jvmOptions) {
        javaOptions = jvmOptions;
        try {
            xend("start", "--no-tcp").requireSuccess();
        } finally {
            javaOptions = null;
        }
        return this;
    }

    /** Starts xm without waiting for it. */
    public Process xmAsync(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(PROJECT.resolve("bin/xm").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("VMHOST_HOME", home.toString());
        pb.environment().put("VMHOST_CONFIG_DIR", configDir.toString());
        return pb.start();
    }

    /** Writes a config file into this instance's config directory and returns its path. */
    public Path config(String name, String text) throws IOException {
        Path f = configDir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    public Result run(Path program, List<String> args, Duration timeout) {
        List<String> cmd = new ArrayList<>();
        if (program.endsWith("xend")) cmd.addAll(xendPrefix);
        cmd.add(program.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("VMHOST_HOME", home.toString());
        env.put("VMHOST_CONFIG_DIR", configDir.toString());
        env.put("VMHOST_NETWORK", bridges ? "bridges" : "user");
        if (javaOptions != null) env.put("VMHOST_JAVA_OPTS", javaOptions);
        return run(pb, home, timeout);
    }

    /** Runs a command to its end (no input; its output kept in files under {@code scratch} until read as UTF-8). */
    public static Result run(ProcessBuilder pb, Path scratch, Duration timeout) {
        List<String> cmd = pb.command();
        try {
            Path out = Files.createTempFile(scratch, "out", ".txt");
            Path err = Files.createTempFile(scratch, "err", ".txt");
            pb.redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish within " + timeout);
            }
            Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            Files.delete(out);
            Files.delete(err);
            return r;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The PIDs of QEMU processes that belong to this instance (their command line names its home). */
    public List<Long> qemuPids() {
        String marker = home.toString() + "/";
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.contains("qemu-system")).orElse(false))
                .filter(p -> p.info().arguments().map(a -> Arrays.stream(a).anyMatch(x -> x.contains(marker))).orElse(false))
                .map(ProcessHandle::pid).toList();
    }

    /** The scheduler groups (cgroups) of this xend's domains that exist now, by the name xend gives its own group. */
    public List<Path> schedulerGroups() throws IOException {
        var controller = cpuController();
        if (controller.isEmpty() || !Files.isDirectory(controller.get().xendGroup())) return List.of();
        try (var dirs = Files.list(controller.get().xendGroup())) {
            return dirs.filter(Files::isDirectory).toList();
        }
    }

    private java.util.Optional<CpuController> cpuController() {
        return CpuController.detect(Path.of("/sys/fs/cgroup"), CpuController.xendName(home));
    }

    /** The PID of the running xend, from its pid file. */
    public long xendPid() throws IOException {
        return Long.parseLong(Files.readString(home.resolve("run/xend.pid")).trim());
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    public String consoleLog(String uuid) throws IOException {
        Path log = home.resolve("log/console").resolve(uuid + ".log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
    }

    @Override
    public void close() throws IOException {
        Result list = xm("list");
        if (list.exit() == 0) {
            for (String line : list.out().lines().skip(2).toList()) {
                String name = line.split("\\s+")[0];
                xm("destroy", name);
            }
        }
        xend("stop");
        try {
            List<ProcessHandle> left = qemuPids().stream().flatMap(pid -> ProcessHandle.of(pid).stream()).toList();
            left.forEach(ProcessHandle::destroyForcibly);
            await("the QEMUs left to end", Duration.ofSeconds(10), () -> left.stream().noneMatch(ProcessHandle::isAlive));
            // The scheduler groups of guests xend did not stop itself (a test killed xend, or a QEMU xend lost), by the
            // name xend gives them; cgroupfs removes a group only once its last process has been reaped.
            cpuController().ifPresent(c -> await("this xend's cgroups to go", Duration.ofSeconds(10), () -> {
                c.sweep(java.util.Set.of());
                c.removeXendGroupIfEmpty();
                return !Files.exists(c.xendGroup());
            }));
        } finally {
            try (var walk = Files.walk(home)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }
}
