package org.vmhost.daemon;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.logging.FileHandler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.vmhost.api.ApiServer;
import org.vmhost.api.ApiSettings;
import org.vmhost.domain.DomainConfigs;
import org.vmhost.domain.HostEnvironment;
import org.vmhost.domain.LocalDomainService;
import org.vmhost.network.HostNetwork;
import org.vmhost.domain.XendHome;
import org.vmhost.qemu.Accelerator;
import org.vmhost.qemu.AcceleratorChoice;
import org.vmhost.qemu.AcceleratorProbe;
import org.vmhost.qemu.HostTsc;
import org.vmhost.console.ConsoleLog;
import org.vmhost.store.EventRetention;
import org.vmhost.qemu.QemuUser;
import org.vmhost.store.Store;

/**
 * xend itself: the one place that constructs the services, in the order libvirt taught us. Load the
 * store, decide the host's facts, load the definitions, open the API while re-attaching to the QEMUs still
 * running (killing any it cannot control; until then only listings answer), and only then start the domains
 * marked for autostart.
 */
final class Daemon {
    private static final Logger LOG = Logger.getLogger(Daemon.class.getName());
    static final Path DEFAULT_EMULATOR = Path.of("/usr/bin/qemu-system-x86_64");
    /** The file descriptor of the pipe to {@code xend start}, set by bin/xend: see {@link #tellStarter}. */
    static final String READY_FD_PROPERTY = "vmhost.readyFd";

    private final XendHome home;
    private final Optional<String> listen;
    private final int port;

    Daemon(XendHome home, Optional<String> listen, int port) {
        this.home = home;
        this.listen = listen;
        this.port = port;
    }

    /**
     * The running xend of this home. The lock decides, not the pid file: a killed xend may linger as a
     * zombie with a live-looking pid, but the kernel released its lock when it died.
     */
    static Optional<ProcessHandle> running(XendHome home) {
        Path lockPath = home.runDir().resolve("xend.lock");
        if (!Files.exists(lockPath)) return Optional.empty();
        try (FileChannel ch = FileChannel.open(lockPath, StandardOpenOption.WRITE)) {
            FileLock probe = ch.tryLock();
            if (probe != null) {
                probe.release();
                return Optional.empty();
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        try {
            return ProcessHandle.of(Long.parseLong(Files.readString(home.pidFile()).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Another xend has this home: said to the starter, or on standard error to whoever ran this one. */
    private int anotherRuns(Optional<ProcessHandle> other) {
        String pid = other.map(p -> Long.toString(p.pid())).orElse("unknown");
        if (!tellStarter("running " + pid)) {
            System.err.println("Error: another xend is running with home " + home.root() + " (pid " + pid + ")");
        }
        return 1;
    }

    /**
     * Tells the {@code xend start} that runs this daemon (bin/xend) how its start went, on the pipe it gave as the
     * file descriptor named by {@value #READY_FD_PROPERTY}: {@code ready PID HOME} once the API answers, or
     * {@code running PID} when another xend has the home. It waits on that pipe rather than polling the socket, and
     * learns of a daemon that died first at once: the pipe closes. Opened read-write, which never blocks: opened
     * write-only, a pipe whose reader is gone (the start interrupted) would hold this daemon until one came.
     * False when no one asked.
     */
    static boolean tellStarter(String line) {
        String fd = System.getProperty(READY_FD_PROPERTY, "");
        if (!fd.matches("[0-9]{1,9}")) return false;
        Path path = Path.of("/proc/self/fd", fd);
        try {
            // Only a pipe: opened read-write, a regular file would be written over from its start.
            if (!Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).isOther()) {
                LOG.warning("file descriptor " + fd + " is no pipe; 'xend start' is not told: " + line);
                return false;
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "no file descriptor " + fd + " to tell 'xend start': " + line, e);
            return false;
        }
        try (FileChannel pipe = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            pipe.write(java.nio.ByteBuffer.wrap((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            return true;
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot tell 'xend start' on file descriptor " + fd + ": " + line, e);
            return false;
        }
    }

    /** xend.conf's {@code image_pools}: absolute directories, each an image pool besides xend's own. */
    static List<Path> imagePools(XendSettings settings) {
        List<Path> pools = new java.util.ArrayList<>();
        for (String dir : settings.strings("image_pools")) {
            Path p = Path.of(dir);
            if (!p.isAbsolute()) {
                throw new org.vmhost.error.VmhostException(org.vmhost.error.ErrorCode.INVALID_CONFIG, settings.source()
                        + ": image_pools: '" + dir + "' is not an absolute directory");
            }
            pools.add(p.normalize());
        }
        return List.copyOf(pools);
    }

    int run() throws Exception {
        home.createPrivately(); // owner-only, whatever the umask and whatever an older xend left
        // One xend per home, decided first: a second one must read nothing of the first one's and open no log beside
        // its. The lock lives as long as this process, whatever way it ends.
        FileChannel lockFile = FileChannel.open(home.runDir().resolve("xend.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockFile.tryLock();
        if (lock == null) return anotherRuns(running(home));
        Files.writeString(home.pidFile(), ProcessHandle.current().pid() + "\n");
        XendSettings settings = XendSettings.load(home.settingsFile()); // a bad file stops xend before it starts anything
        List<Path> imagePools = imagePools(settings);
        long consoleLimit = settings.integer("console_limit", ConsoleLog.DEFAULT_LIMIT, ConsoleLog.MIN_LIMIT, 1L << 30);
        EventRetention retention = new EventRetention(
                (int) settings.integer("event_log_max", EventRetention.DEFAULT.maxEvents(), 100, 10_000_000),
                Duration.ofDays(settings.integer("event_log_days", EventRetention.DEFAULT.maxAge().toDays(), 1, 36_500)));
        Relocation relocation = Relocation.of(settings); // checked before anything starts, like every setting
        setUpLogging();
        LOG.info("xend " + XendMain.VERSION + " starting, pid " + ProcessHandle.current().pid() + ", home " + home.root());

        Path emulator = Optional.ofNullable(System.getenv("VMHOST_QEMU")).map(Path::of).orElse(DEFAULT_EMULATOR);
        // Host facts that each cost a process (dmesg, qemu --version) are asked for beside the rest of the start,
        // not one after another on its path; QEMU's version is waited for only when 'xm info' first wants it.
        java.util.concurrent.Executor beside = task -> Thread.ofVirtual().name("host-facts").start(task);
        var tscKhz = java.util.concurrent.CompletableFuture.supplyAsync(HostTsc::khz, beside);
        var qemuVersion = java.util.concurrent.CompletableFuture.supplyAsync(() -> HostFacts.qemuVersion(emulator), beside);
        // Without the build's copy of SQLite's native library (bin/vmhost-java names it), the driver copies it out of
        // its jar: into xend's private run directory rather than /tmp, where a killed xend's copy stayed for good.
        // A killed xend's copy stays (the driver keeps a copy whose lock file is left): this xend holds the home's lock,
        // so every copy there is an earlier xend's.
        if (System.getProperty("org.sqlite.lib.path") == null && System.getProperty("org.sqlite.tmpdir") == null) {
            System.setProperty("org.sqlite.tmpdir", home.runDir().toString());
            try (var copies = Files.newDirectoryStream(home.runDir(), "sqlite-*")) {
                for (Path copy : copies) Files.deleteIfExists(copy);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot remove an earlier xend's copies of SQLite's library from " + home.runDir(), e);
            }
        }
        Store store = Store.open(home.database(), retention);
        AcceleratorChoice choice = probeOncePerBoot(emulator);
        String accel = choice.accelerator().qemuName();
        LOG.info("accelerator: " + accel + " (" + choice.reason() + ")");
        StringBuilder confinement = new StringBuilder();
        Optional<QemuUser> qemuUser = QemuUser.forThisXend(confinement);
        qemuUser.ifPresent(u -> {
            u.allowSearch(home.root()); // so that images under the home can be hot-plugged
            u.allowTaps();              // so that a hot-plugged NIC's tap can be opened
        });
        LOG.info("confinement: " + confinement);
        HostNetwork network = HostNetwork.open(home.root().resolve("networks.json"), home.root().resolve("network"), System.getenv(),
                qemuUser.map(QemuUser::name));
        network.restore();
        LOG.info("networking: " + network.describe());
        HostEnvironment env = new HostEnvironment(emulator, accel, choice.reason(), tscKhz.join(),
                () -> HostFacts.read(accel, choice.reason(), qemuVersion.join(), XendMain.VERSION, network.describe(),
                        confinement.toString()),
                HostFacts::busyCpuSeconds, qemuUser);
        LocalDomainService service = new LocalDomainService(home, store, env, new DomainConfigs(), network, imagePools,
                consoleLimit, org.vmhost.qemu.QemuLauncher.HOST);
        service.reserveHostMemory(settings.integer("dom0_min_mem", 512, 0, 1L << 30));
        service.setMigrationMaxDowntime(relocation.maxDowntimeMs());
        // Definitions loaded and the domains found running marked as re-attaching, at once; the QMP handshakes, the
        // sweeps and the sampler go on behind the API, once it is open, which meanwhile answers listings and holds
        // every other call.
        java.util.concurrent.CompletableFuture<Void> apiOpen = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<Void> recovered = service.recoverInBackground(apiOpen);

        ApiSettings apiSettings = ApiSettings.of(home.apiSocket(), home.tokenFile());
        apiSettings = listen.isPresent() ? apiSettings.withTcp(listen.get(), port) : apiSettings.withoutTcp();
        apiSettings = apiSettings.withAccess(access(settings));
        ApiServer api = new ApiServer(service, apiSettings);
        // Before the API opens: once xend answers, its relocation server (if on) does too.
        org.vmhost.relocation.RelocationServer relocationServer = relocation.start(home, service);
        api.start();
        apiOpen.complete(null);
        LOG.info("API on " + home.apiSocket() + api.tcpPort().stream().mapToObj(p -> " and TCP port " + p).findFirst().orElse(""));

        CountDownLatch stopped = new CountDownLatch(1);
        // With the log open to its end (XendLogManager), so that the last lines are written.
        XendLogManager.addShutdownHook("xend-shutdown", () -> {
            LOG.info("xend stopping; running guests are left running");
            api.close();
            if (relocationServer != null) relocationServer.close();
            service.close();
            store.close();
            try {
                Files.deleteIfExists(home.pidFile());
                lock.release();
                lockFile.close();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot remove " + home.pidFile(), e);
            }
            LOG.info("xend stopped");
            stopped.countDown();
        });

        recovered.whenComplete((done, failure) -> {
            if (failure != null) {
                // As before the API opened early: an xend that could not settle its domains does not go on.
                LOG.log(Level.SEVERE, "recovery failed; xend stops", failure);
                System.exit(1);
            }
            LOG.info("recovery ended");
            // Under systemd, xendomains.service restores the saved domains first and then asks for the autostart.
            if (!"0".equals(System.getenv("VMHOST_AUTOSTART"))) Thread.ofVirtual().name("autostart").start(service::autostart);
        });
        // Last: once it is told, 'xend start' returns, and 'xend stop' must find every hook in place.
        if (tellStarter("ready " + ProcessHandle.current().pid() + " " + home.root())) LOG.info("xend start told: ready");
        stopped.await();
        return 0;
    }

    /** Who may use the API, from xend.conf (docs/security.md). */
    static ApiSettings.Access access(XendSettings settings) {
        try {
            return new ApiSettings.Access(settings.string("unix_sock_group"), settings.strings("api_allowed_hosts"),
                    settings.string("api_pam_service", "vmhost"), settings.bool("api_tls", false));
        } catch (IllegalArgumentException e) {
            throw new org.vmhost.error.VmhostException(org.vmhost.error.ErrorCode.INVALID_CONFIG, settings.source() + ": " + e.getMessage());
        }
    }

    /**
     * The accelerator probe costs up to its time limit (5 s where KVM hangs), so its answer is kept for
     * as long as it can hold: the same host boot and the same QEMU binary.
     */
    private AcceleratorChoice probeOncePerBoot(Path emulator) throws IOException, InterruptedException {
        Path cache = home.root().resolve("accelerator.cache");
        String key = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip() + " " + emulator + " "
                + (Files.exists(emulator) ? Files.getLastModifiedTime(emulator).toMillis() + " " + Files.size(emulator) : "missing");
        if (Files.exists(cache)) {
            List<String> lines = Files.readAllLines(cache);
            if (lines.size() == 3 && lines.get(0).equals(key)) {
                try {
                    return new AcceleratorChoice(Accelerator.valueOf(lines.get(1)), lines.get(2));
                } catch (IllegalArgumentException e) {
                    LOG.warning("ignoring unreadable " + cache);
                }
            }
        }
        AcceleratorChoice choice = new AcceleratorProbe(emulator, AcceleratorProbe.DEFAULT_TIME_LIMIT).probe();
        Path tmp = cache.resolveSibling("accelerator.cache.tmp");
        Files.write(tmp, List.of(key, choice.accelerator().name(), choice.reason() + " (probed " + java.time.Instant.now() + ")"));
        Files.move(tmp, cache, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return choice;
    }

    /** Creates a file owner-only (0600) if it is missing, whatever the umask. */
    static void createPrivately(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(XendHome.PRIVATE_FILE));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // XendHome.createPrivately() has taken others' access away from it
        }
    }

    private void setUpLogging() throws IOException {
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) root.removeHandler(h);
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
        createPrivately(home.xendLog());
        FileHandler file = new FileHandler(home.xendLog().toString(), true);
        file.setFormatter(new SimpleFormatter());
        root.addHandler(file);
        root.setLevel(Level.INFO);
        // Jetty is chatty at INFO.
        Logger.getLogger("org.eclipse.jetty").setLevel(Level.WARNING);
    }
}
