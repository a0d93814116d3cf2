package org.vmhost.domain;

import org.vmhost.error.VmhostException;
import org.vmhost.error.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.vmhost.config.DomainConfig;
import org.vmhost.config.VfbConfig;
import org.vmhost.config.VifConfig;
import org.vmhost.console.ConsoleLog;
import org.vmhost.console.ConsoleRelay;
import org.vmhost.network.HostNetwork;
import org.vmhost.network.Vif;
import org.vmhost.qemu.LaunchContext;
import org.vmhost.qemu.QemuCommandLine;
import org.vmhost.qemu.QemuHandle;
import org.vmhost.qemu.QemuLaunch;
import org.vmhost.qemu.Qemu;
import org.vmhost.qemu.QemuLauncher;
import org.vmhost.qemu.qmp.QmpClient;
import org.vmhost.store.Store;

/**
 * A domain's start, all or nothing: run directory, taps, QEMU (vCPUs stopped), status row, QMP
 * subscription, console relay, then {@code cont}. Any failure undoes what was made before the error is
 * reported. Runs inside the domain's job.
 */
final class Launch {
    private final LocalDomainService service;
    private final XendHome home;
    private final Store store;
    private final HostEnvironment host;
    private final HostNetwork network;
    private final DomainRegistry registry;
    private final DiskClaims claims;
    private final QemuLauncher qemu;

    Launch(LocalDomainService service, XendHome home, Store store, HostEnvironment host, HostNetwork network,
            DomainRegistry registry, DiskClaims claims, QemuLauncher qemu) {
        this.qemu = qemu;
        this.service = service;
        this.home = home;
        this.store = store;
        this.host = host;
        this.network = network;
        this.registry = registry;
        this.claims = claims;
    }

    /**
     * Starts QEMU for a domain, inside its job. All or nothing: on any failure the process, its
     * sockets, its run directory and its status row are removed before the error is reported.
     */
    void launch(Domain d, boolean paused) {
        launch(d, paused, null);
    }

    /**
     * What a restore feeds a QEMU started to wait for a migration stream ({@code -incoming defer}), once its
     * console and QMP are connected and before the guest runs.
     */
    interface Incoming {
        void load(QmpClient qmp) throws Exception;

        /** Whether QEMU waits for a migration stream; otherwise {@link #load} sets the state another way (a snapshot). */
        default boolean stream() {
            return true;
        }

        /** QEMU's options for it: {@code -incoming defer} for a stream, none otherwise; a migration names its socket. */
        default List<String> args() {
            return stream() ? QemuCommandLine.incomingDeferred() : List.of();
        }
    }

    /** As {@link #launch(Domain, boolean)}; with {@code incoming}, the guest's state comes from a saved stream. */
    void launch(Domain d, boolean paused, Incoming incoming) {
        DomainConfig config = d.config();
        // Checked and claimed together: no second domain gets a writable disk of this one meanwhile.
        claims.claim(d, config.disks(), registry.all(), () -> {
            service.memoryReserve().check(d, registry.all(), host.info().totalMemory());
            d.moveTo(DomainState.STARTING);
            return null;
        });
        Path runDir = home.domainRunDir(d.uuid);
        Qemu process = null;
        ConsoleRelay console = null;
        ExecutorService events = null;
        Placement placement = new Placement(d, config);
        int domid = store.allocateDomid();
        Instant now = Instant.now();
        try {
            service.scheduling().checkAtStart(d, config); // before QEMU runs: a refused weight leaves nothing to undo
            createPrivateDir(runDir);
            // Made owner-only here, before QEMU opens them (it keeps the mode of a file that exists).
            home.createPrivateDir(home.consoleLog(d.uuid).getParent());
            home.createPrivateDir(home.qemuLog(d.uuid).getParent());
            service.consoleLog(d.uuid).createPrivately();
            ConsoleLog qemuLog = service.qemuLog(d.uuid);
            qemuLog.rotateIfFull(); // QEMU's own log grows only by what each start appends and QEMU says
            qemuLog.createPrivately();
            d.vifs = plugVifs(d, domid, runDir);
            keepMacs(d);
            LaunchContext ctx = new LaunchContext(host.emulator(), host.accelerator(), UUID.fromString(d.uuid),
                    runDir.resolve("qmp.sock"), runDir.resolve("console.sock"), home.consoleLog(d.uuid),
                    LocalDomainService.nics(d.vifs), vncDisplay(config, domid), host.tscKhz(),
                    host.qemuUser().map(org.vmhost.qemu.QemuUser::name), runDir.resolve("vnc.sock"));
            List<String> argv = new ArrayList<>(QemuCommandLine.build(config, ctx));
            // Start with the vCPUs stopped: the console and QMP are connected before the guest runs, so
            // no early output or event is missed, and a paused start is exactly that.
            argv.add("-S");
            if (incoming != null) argv.addAll(incoming.args());
            Faults.asOlderXend(argv);
            boolean keepsImagesOpen = QemuCommandLine.keepsImagesOpen(argv);
            // Kept where QEMU's user cannot write (the run directory is root's), for a later xend to read at re-attach: a
            // QEMU's command line in /proc is memory QEMU itself could rewrite, to have its images lent to it.
            if (keepsImagesOpen) Files.createFile(runDir.resolve(DomainRuntime.KEEPS_IMAGES_OPEN_FILE));
            // An xend killed between launch and the row below leaves a QEMU no row names: recover()
            // finds it by its run directory in its command line and kills it.
            Path consoleSocket = ctx.consoleSocket();
            process = qemu.start(new QemuLaunch(argv, ctx.qmpSocket(), ctx.consoleLog(), home.qemuLog(d.uuid),
                    List.of(consoleSocket, ctx.vncSocket())), LocalDomainService.QMP_TIMEOUT, placement::begin);
            QemuHandle handle = process.handle();
            Faults.pause(Faults.AFTER_LAUNCH);
            store.saveStatus(service.status(d, domid, handle.pid(), handle.startTime(), runDir, DomainState.STARTING, now));
            events = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("events-" + d.uuid).factory());
            ExecutorService queue = events;
            QmpClient qmp = process.qmp();
            qmp.subscribe(e -> queue.execute(() -> service.onEvent(d, e)));
            console = service.newRelay(d, consoleSocket, runDir);
            console.start(LocalDomainService.QMP_TIMEOUT);
            Optional<String> vncpasswd = config.vfbs().stream().flatMap(v -> v.vncpasswd().stream())
                    .filter(p -> !p.isEmpty()).findFirst();
            if (vncpasswd.isPresent()) qmp.changeVncPassword(vncpasswd.get());
            Vcpus.applyAtStart(d.name(), config, handle.pid());
            MemorySetting.applyAtStart(config, qmp);
            placement.await();
            if (incoming != null) {
                incoming.load(qmp);
                MemorySetting.adoptLoaded(d, qmp);
            }
            Faults.pause(Faults.BEFORE_RUN);
            if (!paused) qmp.cont();
            d.runtime = new DomainRuntime(process, console, events, runDir, keepsImagesOpen);
            service.watchExit(d, process, queue);
            d.started(domid, now);
            d.lastStart = now;
            d.moveTo(paused ? DomainState.PAUSED : DomainState.RUNNING);
            service.saveStatus(d);
            service.event(d, "started", "started as domain " + domid + (paused ? ", paused" : "") + " (pid " + handle.pid()
                    + host.qemuUser().map(u -> ", user " + u.name()).orElse("") + ")" + service.describeVifs(d.vifs));
        } catch (Exception e) {
            String why = e instanceof VmhostException ve ? ve.getMessage() : LocalDomainService.describe(e);
            String qemuSaid = process == null ? "" : lastLines(home.qemuLog(d.uuid), 3);
            if (console != null) console.close();
            if (process != null) LocalDomainService.terminate(process);
            if (events != null) events.shutdownNow();
            placement.settle();
            service.scheduling().release(d);
            service.unplugVifs(d);
            LocalDomainService.deleteTree(runDir);
            store.deleteStatus(d.uuid);
            d.runtime = null;
            d.moveTo(DomainState.SHUT_OFF);
            String message = "cannot start domain '" + d.name() + "': " + why
                    + (qemuSaid.isBlank() ? "" : " (QEMU said: " + qemuSaid.strip() + ")");
            store.appendEvent(Instant.now(), d.name(), "start-failed", message);
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            if (e instanceof VmhostException ve && ve.code() != ErrorCode.INTERNAL) {
                throw new VmhostException(ve.code(), message);
            }
            throw new VmhostException(ErrorCode.QEMU_FAILED, message, e);
        }
    }

    /**
     * The credit scheduler's group for a starting QEMU, made while QEMU initialises: moving a process between
     * cgroups waits for the kernel's RCU grace period (10-16 ms here, on cgroup v1), which would otherwise delay the
     * guest's first instruction by as much. It is done before the guest runs: {@link #await} comes before {@code cont}.
     */
    private final class Placement {
        private final Domain d;
        private final DomainConfig config;
        private volatile CompletableFuture<Void> done = CompletableFuture.completedFuture(null);

        Placement(Domain d, DomainConfig config) {
            this.d = d;
            this.config = config;
        }

        /** QEMU runs: its group is made and it is moved there, on a thread of its own. */
        void begin(long pid) {
            done = CompletableFuture.runAsync(() -> service.scheduling().applyAtStart(d, config, pid),
                    command -> Thread.ofVirtual().name("cgroup-" + d.uuid).start(command));
        }

        /** Waits for the placement; its failure fails the start. */
        void await() throws InterruptedException {
            try {
                done.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                throw new VmhostException(ErrorCode.HOST_FAILED, "cannot place domain '" + d.name() + "' in its cgroup: "
                        + e.getCause(), e.getCause());
            }
        }

        /** A failed start: waits for the placement to end either way, so that the group it made is removed after it. */
        void settle() {
            done.exceptionally(failed -> null).join();
        }
    }

    /**
     * Makes the host side of every vif, inside the start's job. The taps made so far are written to the run
     * directory first, so that the next xend can remove them if this one dies before the status row exists;
     * any failure removes what was made.
     */
    private List<Vif> plugVifs(Domain d, int domid, Path runDir) {
        DomainConfig config = d.config();
        List<Vif> made = new ArrayList<>();
        try {
            for (int i = 0; i < config.vifs().size(); i++) {
                VifConfig v = config.vifs().get(i);
                // What the vif asks for is made, or the start fails: user-mode networking only where asked.
                Vif vif = HostNetwork.userMode(v.type())
                        ? network.plugUserMode(i, v.mac(), v.bridge(), v.vifname(), LocalDomainService.nicModel(config, v), v.rate())
                        : network.plug(d.name(), domid, i, v.mac(), v.bridge(), v.vifname(), LocalDomainService.nicModel(config, v), v.rate());
                made.add(vif);
                Files.writeString(runDir.resolve(LocalDomainService.VIFS_FILE), VifsJson.write(made));
            }
        } catch (IOException | RuntimeException e) {
            for (Vif v : made) network.unplug(v);
            if (e instanceof VmhostException ve) throw ve;
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot make the vifs of domain '" + d.name() + "': " + LocalDomainService.describe(e), e);
        }
        return List.copyOf(made);
    }

    /** A managed domain keeps the MACs chosen for it: they are written into its configuration, as xend did. */
    private void keepMacs(Domain d) {
        DomainConfig config = d.config();
        if (!d.managed || config.vifs().stream().allMatch(v -> v.mac().isPresent())) return;
        List<VifConfig> kept = new ArrayList<>();
        for (int i = 0; i < config.vifs().size(); i++) kept.add(LocalDomainService.withMac(config.vifs().get(i), d.vifs.get(i).mac()));
        service.redefineVifs(d, kept);
    }

    private static java.util.OptionalInt vncDisplay(DomainConfig config, int domid) {
        Optional<VfbConfig> vfb = config.vfbs().stream().filter(VfbConfig::vnc).findFirst();
        if (vfb.isEmpty()) return OptionalInt.empty();
        // Xen's rule: a fixed display if given, else the domain id (vncunused picks the first free later).
        return OptionalInt.of(vfb.get().vncdisplay().orElse(domid));
    }

    private static void createPrivateDir(Path dir) throws IOException {
        Files.createDirectories(dir.getParent());
        LocalDomainService.deleteTree(dir);
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    private static String lastLines(Path file, int n) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join(" ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }
}
