package org.vmhost.domain;

import org.vmhost.event.DomainEvent;
import org.vmhost.error.VmhostException;
import org.vmhost.error.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.vmhost.config.DomainConfig;
import org.vmhost.config.LifecycleAction;
import org.vmhost.config.VfbConfig;
import org.vmhost.config.VifConfig;
import org.vmhost.console.ConsoleRelay;
import org.vmhost.network.HostNetwork;
import org.vmhost.network.NetworkConfig;
import org.vmhost.network.NetworkInfo;
import org.vmhost.network.Vif;
import org.vmhost.domain.Transitions.Operation;
import org.vmhost.qemu.LaunchContext;
import org.vmhost.qemu.NicAttachment;
import org.vmhost.qemu.QemuCommandLine;
import org.vmhost.qemu.QemuExit;
import org.vmhost.qemu.QemuHandle;
import org.vmhost.qemu.QemuLaunch;
import org.vmhost.qemu.QemuProcess;
import org.vmhost.qemu.QemuProcessException;
import org.vmhost.qemu.qmp.QmpClient;
import org.vmhost.qemu.qmp.QmpEvent;
import org.vmhost.qemu.qmp.QmpException;
import org.vmhost.store.DomainDefinition;
import org.vmhost.store.DomainStatus;
import org.vmhost.store.Store;

/**
 * xend's implementation of {@link DomainService}: domains run as QEMU processes on this host.
 *
 * <p>Every operation follows one recipe: find the domain, take its job, check its state against
 * {@link Transitions}, talk to QEMU, save the new state, and only then answer. QMP events go through the
 * same job, one at a time. A start that fails undoes everything it made before it reports why.
 *
 * <p>This class owns the registry, launch and teardown, and QEMU's events. The rest lives beside it, each
 * part called through one-line delegates: {@link VifHotplug} (NICs of a running domain), {@link DiskHotplug}
 * (disks and CD-ROM media), {@link ImageOperations} (images in storage pools) and {@link Recovery} (xend's
 * start-up). They share the helpers left here package-private: {@code require}, {@code qmp}, {@code event},
 * {@code saveStatus} and the like.
 */
public final class LocalDomainService implements DomainService, AutoCloseable {
    static final Logger LOG = Logger.getLogger(LocalDomainService.class.getName());
    /** A guest that crashes sooner than this after starting is not restarted again (xend's rule). */
    static final Duration MIN_RESTART_INTERVAL = Duration.ofSeconds(20);
    static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);
    static final String DOMAIN0_UUID = "00000000-0000-0000-0000-000000000000";

    private final XendHome home;
    private final Store store;
    private final HostEnvironment host;
    private final DomainConfigs configs;
    private final HostNetwork network;
    private final DomainRegistry registry = new DomainRegistry();
    private final DiskClaims claims = new DiskClaims();
    private final VifHotplug vifHotplug;
    private final DiskHotplug diskHotplug;
    private final ImageOperations images;
    private final Recovery recovery;
    private final Monitoring monitoring;
    private final Vcpus vcpus;
    private final Scheduling scheduling;
    private final MemoryReserve memoryReserve = new MemoryReserve();
    private final MemorySetting memorySetting = new MemorySetting(this);

    public LocalDomainService(XendHome home, Store store, HostEnvironment host, DomainConfigs configs, HostNetwork network) {
        this.home = Objects.requireNonNull(home);
        this.store = Objects.requireNonNull(store);
        this.host = Objects.requireNonNull(host);
        this.configs = Objects.requireNonNull(configs);
        this.network = Objects.requireNonNull(network);
        this.vifHotplug = new VifHotplug(this, network);
        this.diskHotplug = new DiskHotplug(this, configs, store, registry, claims);
        this.images = new ImageOperations(this, home, store, registry);
        this.recovery = new Recovery(this, home, store, configs, registry, network);
        this.monitoring = new Monitoring(home, registry);
        this.vcpus = new Vcpus(this, registry);
        this.scheduling = new Scheduling(this, registry, Path.of("/sys/fs/cgroup"), home.root());
    }

    // ---- queries -------------------------------------------------------------------------------

    @Override
    public List<DomainInfo> list() {
        List<DomainInfo> list = new ArrayList<>();
        list.add(domain0());
        for (Domain d : registry.all()) list.add(info(d));
        return list;
    }

    @Override
    public DomainInfo get(String ref) {
        if (ref.equals("Domain-0") || ref.equals("0") || ref.equals(DOMAIN0_UUID)) return domain0();
        return info(registry.require(ref));
    }

    /** A domain for an operation; Domain-0, the host itself, takes none. */
    Domain require(String ref, String verb) {
        if (ref.equals("Domain-0") || ref.equals("0") || ref.equals(DOMAIN0_UUID)) {
            throw new VmhostException(ErrorCode.INVALID_STATE, "cannot " + verb + " Domain-0: it is the host");
        }
        return registry.require(ref);
    }

    @Override
    public HostInfo hostInfo() {
        return host.info();
    }

    @Override
    public List<DomainEvent> events(int limit) {
        return store.events(limit);
    }

    @Override
    public List<String> dmesg(int lines) {
        try {
            List<String> all = Files.readAllLines(home.xendLog(), java.nio.charset.StandardCharsets.ISO_8859_1);
            return List.copyOf(all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (java.nio.file.NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot read " + home.xendLog() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public ConsoleEndpoint console(String ref) {
        return new ConsoleEndpoint(consoleRelay(ref).clientSocket().toString());
    }

    /** The relay of a running domain's console, for in-process clients such as the web console. */
    public ConsoleRelay consoleRelay(String ref) {
        Domain d = require(ref, "attach to the console of");
        DomainRuntime rt = d.runtime;
        if (rt == null || !Operation.CONSOLE.allowedIn(d.state())) {
            throw new VmhostException(ErrorCode.INVALID_STATE, "domain '" + d.name() + "' is not running; it has no console");
        }
        return rt.console();
    }

    // ---- definitions ---------------------------------------------------------------------------

    @Override
    public DomainInfo define(DomainRequest request) {
        DomainConfig config = configs.parse(request);
        String uuid = config.uuid().map(UUID::toString).orElseGet(() -> UUID.randomUUID().toString());
        String text = configs.canonicalText(request);
        Domain d = new Domain(uuid, config.name(), config, text, request.sourceName(), true, false);
        registry.add(d);
        try {
            store.transaction(tx -> {
                tx.saveDefinition(definition(d));
                tx.appendEvent(Instant.now(), d.name(), "defined", "domain '" + d.name() + "' defined from " + request.sourceName());
            });
        } catch (RuntimeException e) {
            registry.remove(d);
            throw e;
        }
        return info(d);
    }

    @Override
    public void delete(String ref) {
        Domain d = require(ref, "delete");
        d.runJob("delete", () -> {
            Transitions.requireAllowed(d.name(), Operation.DELETE, d.state());
            store.transaction(tx -> {
                tx.deleteDefinition(d.uuid);
                tx.appendEvent(Instant.now(), d.name(), "deleted", "domain '" + d.name() + "' deleted");
            });
            registry.remove(d);
        });
    }

    @Override
    public DomainInfo rename(String ref, String newName) {
        if (!DomainConfig.validName(newName)) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "invalid domain name '" + newName + "'");
        }
        Domain d = require(ref, "rename");
        return d.runJob("rename", () -> {
            Transitions.requireAllowed(d.name(), Operation.RENAME, d.state());
            String old = d.name();
            registry.rename(d, newName);
            try {
                DomainConfig renamed = configs.withName(d.config(), newName);
                d.redefine(renamed, configs.write(renamed), d.sourceName());
                store.transaction(tx -> {
                    tx.saveDefinition(definition(d));
                    tx.appendEvent(Instant.now(), newName, "renamed", "domain '" + old + "' renamed to '" + newName + "'");
                });
            } catch (RuntimeException e) {
                registry.rename(d, old);
                throw e;
            }
            return info(d);
        });
    }

    // ---- lifecycle -----------------------------------------------------------------------------

    @Override
    public DomainInfo create(DomainRequest request, boolean paused) {
        DomainConfig config = configs.parse(request);
        configs.requireFilesExist(config);
        String uuid = config.uuid().map(UUID::toString).orElseGet(() -> UUID.randomUUID().toString());
        Domain d = new Domain(uuid, config.name(), config, configs.canonicalText(request), request.sourceName(), false, false);
        registry.add(d);
        return d.runJob("create", () -> {
            try {
                store.saveDefinition(definition(d));
                launch(d, paused);
            } catch (RuntimeException e) {
                registry.remove(d);
                store.deleteDefinition(d.uuid);
                throw e;
            }
            return info(d);
        });
    }

    @Override
    public DomainInfo start(String ref, boolean paused) {
        Domain d = require(ref, "start");
        return d.runJob("start", () -> {
            Transitions.requireAllowed(d.name(), Operation.START, d.state());
            configs.requireFilesExist(d.config());
            launch(d, paused);
            return info(d);
        });
    }

    @Override
    public DomainInfo shutdown(String ref, Duration wait) {
        Domain d = require(ref, "shut down");
        CompletableFuture<Void> stop = d.runJob("shut down", () -> {
            Transitions.requireAllowed(d.name(), Operation.SHUTDOWN, d.state());
            CompletableFuture<Void> next = d.nextStop();
            qmp(d, "shut down", QmpClient::systemPowerdown);
            d.moveTo(DomainState.SHUTTING_DOWN);
            saveStatus(d);
            event(d, "shutdown", "power button pressed");
            return next;
        });
        awaitStop(d, stop, wait, "shut down");
        return info(d);
    }

    @Override
    public DomainInfo reboot(String ref, Duration wait) {
        Domain d = require(ref, "reboot");
        d.runJob("reboot", () -> {
            Transitions.requireAllowed(d.name(), Operation.REBOOT, d.state());
            d.rebootRequested = true;
            qmp(d, "reboot", QmpClient::systemPowerdown);
            d.moveTo(DomainState.SHUTTING_DOWN);
            saveStatus(d);
            event(d, "reboot", "power button pressed; the guest restarts when it has shut down");
        });
        if (!wait.isZero()) {
            Instant deadline = Instant.now().plus(wait);
            while (d.rebootRequested && d.state() == DomainState.SHUTTING_DOWN) {
                if (Instant.now().isAfter(deadline)) {
                    throw new VmhostException(ErrorCode.TIMEOUT, "domain '" + d.name() + "' did not reboot within "
                            + wait.toSeconds() + " s");
                }
                sleep(Duration.ofMillis(100));
            }
        }
        return info(d);
    }

    @Override
    public DomainInfo reset(String ref) {
        Domain d = require(ref, "reset");
        return d.runJob("reset", () -> {
            Transitions.requireAllowed(d.name(), Operation.RESET, d.state());
            qmp(d, "reset", QmpClient::systemReset);
            if (d.state() == DomainState.SHUTTING_DOWN || d.state() == DomainState.CRASHED) {
                qmp(d, "reset", QmpClient::cont);
                d.moveTo(DomainState.RUNNING);
            }
            saveStatus(d);
            event(d, "reset", "hard reset");
            return info(d);
        });
    }

    @Override
    public DomainInfo pause(String ref) {
        Domain d = require(ref, "pause");
        return d.runJob("pause", () -> {
            Transitions.requireAllowed(d.name(), Operation.PAUSE, d.state());
            qmp(d, "pause", QmpClient::stop);
            d.moveTo(DomainState.PAUSED);
            saveStatus(d);
            event(d, "paused", "paused");
            return info(d);
        });
    }

    @Override
    public DomainInfo unpause(String ref) {
        Domain d = require(ref, "unpause");
        return d.runJob("unpause", () -> {
            Transitions.requireAllowed(d.name(), Operation.UNPAUSE, d.state());
            qmp(d, "unpause", QmpClient::cont);
            d.moveTo(DomainState.RUNNING);
            saveStatus(d);
            event(d, "unpaused", "unpaused");
            return info(d);
        });
    }

    @Override
    public DomainInfo destroy(String ref) {
        Domain d = require(ref, "destroy");
        return d.runJob("destroy", () -> {
            Transitions.requireAllowed(d.name(), Operation.DESTROY, d.state());
            teardown(d, "destroyed", "destroyed by request");
            return info(d);
        });
    }

    // ---- networks and vifs ---------------------------------------------------------------------

    @Override
    public List<NetworkInfo> listNetworks() {
        return network.list();
    }

    @Override
    public NetworkInfo createNetwork(NetworkConfig config) {
        NetworkInfo created = network.create(config);
        store.appendEvent(Instant.now(), "Domain-0", "network-created", "network '" + created.name() + "' created: "
                + created.type() + " on bridge " + created.bridge() + created.subnet().map(s -> ", subnet " + s).orElse(""));
        return created;
    }

    @Override
    public void deleteNetwork(String name) {
        network.delete(name);
        store.appendEvent(Instant.now(), "Domain-0", "network-deleted", "network '" + name + "' deleted");
    }

    @Override
    public List<Vif> listVifs(String ref) {
        return vifHotplug.listVifs(ref);
    }

    @Override
    public Vif attachVif(String ref, VifConfig request) {
        return vifHotplug.attachVif(ref, request);
    }

    @Override
    public void detachVif(String ref, String device, boolean force) {
        vifHotplug.detachVif(ref, device, force);
    }

    // ---- virtual disks -------------------------------------------------------------------------

    @Override
    public List<BlockDeviceInfo> listBlockDevices(String ref) {
        return diskHotplug.listBlockDevices(ref);
    }

    @Override
    public BlockDeviceInfo attachBlockDevice(String ref, BlockDeviceRequest request) {
        return diskHotplug.attachBlockDevice(ref, request);
    }

    @Override
    public void detachBlockDevice(String ref, String device, boolean force) {
        diskHotplug.detachBlockDevice(ref, device, force);
    }

    @Override
    public BlockDeviceInfo configureBlockDevice(String ref, BlockDeviceRequest request) {
        return diskHotplug.configureBlockDevice(ref, request);
    }

    // ---- images in storage pools ---------------------------------------------------------------

    @Override
    public List<org.vmhost.storage.ImageInfo> listImages(String pool) {
        return images.listImages(pool);
    }

    @Override
    public org.vmhost.storage.ImageInfo imageInfo(String pool, String name) {
        return images.imageInfo(pool, name);
    }

    @Override
    public org.vmhost.storage.ImageInfo createImage(String pool, String name, String format, long bytes) {
        return images.createImage(pool, name, format, bytes);
    }

    @Override
    public org.vmhost.storage.ImageInfo cloneImage(String pool, String source, String name, boolean linked) {
        return images.cloneImage(pool, source, name, linked);
    }

    @Override
    public org.vmhost.storage.ImageInfo resizeImage(String pool, String name, long bytes, boolean shrink) {
        return images.resizeImage(pool, name, bytes, shrink);
    }

    @Override
    public void deleteImage(String pool, String name) {
        images.deleteImage(pool, name);
    }

    // ---- start and stop ------------------------------------------------------------------------

    /**
     * Starts QEMU for a domain, inside its job. All or nothing: on any failure the process, its
     * sockets, its run directory and its status row are removed before the error is reported.
     */
    private void launch(Domain d, boolean paused) {
        DomainConfig config = d.config();
        // Checked and claimed together: no second domain gets a writable disk of this one meanwhile.
        claims.claim(d, config.disks(), registry.all(), () -> {
            memoryReserve.check(d, registry.all(), host.info().totalMemory());
            d.moveTo(DomainState.STARTING);
            return null;
        });
        Path runDir = home.domainRunDir(d.uuid);
        QemuProcess process = null;
        ConsoleRelay console = null;
        ExecutorService events = null;
        int domid = store.allocateDomid();
        Instant now = Instant.now();
        try {
            createPrivateDir(runDir);
            Files.createDirectories(home.consoleLog(d.uuid).getParent());
            Files.createDirectories(home.qemuLog(d.uuid).getParent());
            d.vifs = plugVifs(d, domid, runDir);
            keepMacs(d);
            LaunchContext ctx = new LaunchContext(host.emulator(), host.accelerator(), UUID.fromString(d.uuid),
                    runDir.resolve("qmp.sock"), runDir.resolve("console.sock"), home.consoleLog(d.uuid),
                    nics(d.vifs), vncDisplay(config, domid), host.tscKhz());
            List<String> argv = new ArrayList<>(QemuCommandLine.build(config, ctx));
            // Start with the vCPUs stopped: the console and QMP are connected before the guest runs, so
            // no early output or event is missed, and a paused start is exactly that.
            argv.add("-S");
            // An xend killed between launch and the row below leaves a QEMU no row names: recover()
            // finds it by its run directory in its command line and kills it.
            Path consoleSocket = ctx.consoleSocket();
            process = QemuProcess.start(new QemuLaunch(argv, ctx.qmpSocket(), ctx.consoleLog(), home.qemuLog(d.uuid),
                    List.of(consoleSocket)), QMP_TIMEOUT);
            QemuHandle handle = process.handle();
            Faults.pause(Faults.AFTER_LAUNCH);
            store.saveStatus(status(d, domid, handle.pid(), handle.startTime(), runDir, DomainState.STARTING, now));
            events = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("events-" + d.uuid).factory());
            ExecutorService queue = events;
            QmpClient qmp = process.qmp();
            qmp.subscribe(e -> queue.execute(() -> onEvent(d, e)));
            console = new ConsoleRelay(d.name(), consoleSocket, ctx.consoleLog(), runDir.resolve("xmconsole.sock"));
            console.start(QMP_TIMEOUT);
            Optional<String> vncpasswd = config.vfbs().stream().flatMap(v -> v.vncpasswd().stream())
                    .filter(p -> !p.isEmpty()).findFirst();
            if (vncpasswd.isPresent()) qmp.execute("change-vnc-password", java.util.Map.of("password", vncpasswd.get()));
            Vcpus.applyAtStart(d.name(), config, handle.pid());
            scheduling.applyAtStart(d, config, handle.pid());
            Faults.pause(Faults.BEFORE_RUN);
            if (!paused) qmp.cont();
            d.runtime = new DomainRuntime(process, console, events, runDir);
            watchExit(d, process, queue);
            d.started(domid, now);
            d.lastStart = now;
            d.moveTo(paused ? DomainState.PAUSED : DomainState.RUNNING);
            saveStatus(d);
            event(d, "started", "started as domain " + domid + (paused ? ", paused" : "") + " (pid " + handle.pid() + ")"
                    + describeVifs(d.vifs));
        } catch (Exception e) {
            String why = e instanceof VmhostException ve ? ve.getMessage() : describe(e);
            String qemuSaid = process == null ? "" : lastLines(home.qemuLog(d.uuid), 3);
            if (console != null) console.close();
            if (process != null) terminate(process);
            if (events != null) events.shutdownNow();
            scheduling.release(d);
            unplugVifs(d);
            deleteTree(runDir);
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
     * Stops a running domain for good: QEMU is asked to quit, then killed; its sockets and run directory
     * go; a transient domain is forgotten, a managed one is shut off.
     */
    private void teardown(Domain d, String kind, String why) {
        String message = "domain '" + d.name() + "': " + why;
        DomainRuntime rt = d.runtime;
        if (d.state() != DomainState.DYING) d.moveTo(DomainState.DYING);
        if (rt != null) {
            rt.console().close();
            terminate(rt.process());
            rt.events().shutdown();
            deleteTree(rt.runDir());
        }
        scheduling.release(d);
        unplugVifs(d);
        d.runtime = null;
        d.rebootRequested = false;
        if (d.managed) {
            store.transaction(tx -> {
                tx.deleteStatus(d.uuid);
                tx.appendEvent(Instant.now(), d.name(), kind, message);
            });
        } else {
            store.transaction(tx -> {
                tx.deleteDefinition(d.uuid);
                tx.appendEvent(Instant.now(), d.name(), kind, message);
            });
            registry.remove(d);
        }
        d.moveTo(DomainState.SHUT_OFF);
    }

    // ---- events from QEMU ----------------------------------------------------------------------

    void onEvent(Domain d, QmpEvent e) {
        try {
            d.runJob("handle " + e.name(), () -> handleEvent(d, e));
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "handling " + e.name() + " of domain '" + d.name() + "' failed", ex);
        }
    }

    private void handleEvent(Domain d, QmpEvent e) {
        if (d.runtime == null || d.state() == DomainState.DYING || d.state() == DomainState.SHUT_OFF) return;
        switch (e.name()) {
            case "SHUTDOWN" -> {
                String reason = e.data().path("reason").asText("");
                if (reason.startsWith("host-")) return; // we asked for it
                if (reason.equals("guest-reset")) {
                    apply(d, d.config().onReboot(), "rebooted", "the guest rebooted");
                } else if (d.rebootRequested) {
                    d.rebootRequested = false;
                    restartInPlace(d, "rebooted", "the guest shut down for xm reboot and was restarted");
                } else if (reason.equals("guest-panic")) {
                    apply(d, d.config().onCrash(), "crashed", "the guest panicked");
                } else {
                    apply(d, d.config().onPoweroff(), "poweroff", "the guest powered off");
                }
            }
            case "GUEST_PANICKED" -> apply(d, d.config().onCrash(), "crashed", "the guest panicked");
            case "RESET" -> {
                if (!e.data().path("reason").asText("").startsWith("host-")) event(d, "reset", "the guest reset itself");
            }
            default -> { }
        }
    }

    void watchExit(Domain d, QemuProcess process, ExecutorService queue) {
        process.exit().whenComplete((how, error) -> {
            if (error == null) queue.execute(() -> onExit(d, process, how));
        });
    }

    /** QEMU's process ended. Unless we ended it, that is a crash of the device model. */
    private void onExit(Domain d, QemuProcess process, QemuExit how) {
        try {
            d.runJob("handle exit", () -> {
                DomainRuntime rt = d.runtime;
                if (rt == null || rt.process() != process || d.state() == DomainState.DYING) return;
                crashedWithoutQemu(d, "QEMU ended unexpectedly: " + how.describe());
            });
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "handling the exit of domain '" + d.name() + "' failed", ex);
        }
    }

    /** Applies on_crash to a domain whose QEMU is gone: nothing is left to preserve or reset. */
    private void crashedWithoutQemu(Domain d, String why) {
        LifecycleAction action = d.config().onCrash();
        boolean restart = action == LifecycleAction.RESTART || action == LifecycleAction.RENAME_RESTART
                || action == LifecycleAction.COREDUMP_RESTART;
        teardown(d, "crashed", why);
        if (restart && d.managed) relaunchAfterCrash(d);
    }

    private void relaunchAfterCrash(Domain d) {
        if (Duration.between(d.lastStart, Instant.now()).compareTo(MIN_RESTART_INTERVAL) < 0) {
            event(d, "not-restarted", "crashed less than " + MIN_RESTART_INTERVAL.toSeconds()
                    + " s after it started; not restarted");
            return;
        }
        try {
            launch(d, false);
        } catch (VmhostException e) {
            LOG.warning(e.getMessage());
        }
    }

    void apply(Domain d, LifecycleAction action, String kind, String why) {
        switch (action) {
            case DESTROY, COREDUMP_DESTROY -> teardown(d, kind, why + "; on_" + onKey(kind) + "=destroy");
            case RESTART, RENAME_RESTART, COREDUMP_RESTART -> {
                if (Duration.between(d.lastStart, Instant.now()).compareTo(MIN_RESTART_INTERVAL) < 0
                        && kind.equals("crashed")) {
                    d.moveTo(DomainState.CRASHED);
                    saveStatus(d);
                    event(d, kind, why + " less than " + MIN_RESTART_INTERVAL.toSeconds()
                            + " s after it started; kept crashed rather than restarted");
                    return;
                }
                restartInPlace(d, kind, why + "; restarted");
            }
            case PRESERVE -> {
                d.moveTo(kind.equals("crashed") ? DomainState.CRASHED : DomainState.SHUTTING_DOWN);
                saveStatus(d);
                event(d, kind, why + "; preserved for inspection (xm destroy removes it)");
            }
        }
    }

    private static String onKey(String kind) {
        return switch (kind) {
            case "crashed" -> "crash";
            case "rebooted" -> "reboot";
            default -> "poweroff";
        };
    }

    /** Restarts the guest in the same QEMU: a reset and a resume, far faster than a new process. */
    private void restartInPlace(Domain d, String kind, String why) {
        qmp(d, "restart", QmpClient::systemReset);
        qmp(d, "restart", QmpClient::cont);
        if (d.state() != DomainState.RUNNING) d.moveTo(DomainState.RUNNING);
        d.lastStart = Instant.now();
        saveStatus(d);
        event(d, kind, why);
    }

    // ---- recovery at start-up ------------------------------------------------------------------

    /**
     * Rebuilds the registry after xend starts: loads definitions and status, re-attaches to each QEMU that
     * still runs, settles the domains that ended while xend was away, and kills any QEMU it cannot
     * re-attach to, so that no guest ever runs twice.
     */
    public void recover() {
        recovery.recover();
    }

    @Override
    public DomainInfo setMemory(String ref, int mib) {
        memorySetting.set(ref, mib);
        return get(ref);
    }

    /** The MiB of memory no start may give to guests ({@code dom0_min_mem} in xend.conf). */
    public void reserveHostMemory(long mib) {
        memoryReserve.set(mib);
    }

    /**
     * Starts the statistics sampler, and removes the scheduler groups of domains that ended while xend was away
     * (xend calls it once the running domains are re-attached).
     */
    public void startMonitoring() {
        scheduling.sweep();
        monitoring.start();
    }

    @Override
    public org.vmhost.monitor.StatsReport stats() {
        return monitoring.stats();
    }

    @Override
    public org.vmhost.monitor.SeriesHistory history(String ref, String metric, Instant from, Instant to, String resolution) {
        if (ref.equals("Domain-0") || ref.equals("0") || ref.equals(DOMAIN0_UUID))
            return monitoring.history(null, "the host", metric, from, to, resolution);
        Domain d = registry.require(ref);
        return monitoring.history(d.uuid, "domain '" + d.name() + "'", metric, from, to, resolution);
    }

    @Override
    public List<org.vmhost.resources.VcpuInfo> listVcpus(String ref) {
        return vcpus.list(ref);
    }

    @Override
    public void pinVcpu(String ref, String vcpu, String cpus) {
        vcpus.pin(ref, vcpu, cpus);
    }

    @Override
    public org.vmhost.resources.SchedulerInfo schedCredit(String ref) {
        return new org.vmhost.resources.SchedulerInfo(scheduling.describe(), scheduling.list(ref));
    }

    @Override
    public org.vmhost.resources.SchedCredit setSchedCredit(String ref, Integer weight, Integer cap) {
        return scheduling.set(ref, weight, cap);
    }

    /** Starts what should run with xend: configs in the auto directory, and managed domains marked so. */
    public void autostart() {
        recovery.autostart();
    }

    /** Leaves every guest running: xend's exit must never take a guest down. */
    @Override
    public void close() {
        monitoring.close();
        scheduling.close();
        for (Domain d : registry.all()) {
            DomainRuntime rt = d.runtime;
            if (rt == null) continue;
            rt.events().shutdownNow();
            rt.console().close();
            rt.process().detach();
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    interface QmpCall {
        void call(QmpClient qmp) throws QmpException, InterruptedException;
    }

    void qmp(Domain d, String what, QmpCall call) {
        DomainRuntime rt = d.runtime;
        if (rt == null) throw new VmhostException(ErrorCode.INVALID_STATE, "domain '" + d.name() + "' is not running");
        try {
            call.call(rt.qmp());
        } catch (QmpException e) {
            throw new VmhostException(ErrorCode.QEMU_FAILED, "cannot " + what + " domain '" + d.name() + "': " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmhostException(ErrorCode.INTERNAL, "interrupted while trying to " + what + " domain '" + d.name() + "'");
        }
    }

    private void awaitStop(Domain d, CompletableFuture<Void> stop, Duration wait, String what) {
        if (wait.isZero()) return;
        try {
            stop.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new VmhostException(ErrorCode.TIMEOUT, "domain '" + d.name() + "' did not " + what + " within "
                    + wait.toSeconds() + " s; it is still running (xm destroy stops it at once)");
        } catch (ExecutionException e) {
            throw new VmhostException(ErrorCode.INTERNAL, "waiting for domain '" + d.name() + "' failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmhostException(ErrorCode.INTERNAL, "interrupted waiting for domain '" + d.name() + "'");
        }
    }

    // ---- vifs ----------------------------------------------------------------------------------

    /** The NIC model a vif gets: the config's, else rtl8139 for hvm (Xen's default) and virtio for pv. */
    static String nicModel(DomainConfig config, VifConfig vif) {
        return vif.model().orElse(config.type() == org.vmhost.config.DomainType.HVM ? "rtl8139" : "virtio");
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
                Vif vif;
                try {
                    vif = network.plug(d.name(), domid, i, v.mac(), v.bridge(), v.vifname(), nicModel(config, v), v.rate());
                } catch (VmhostException e) {
                    if (e.code() != ErrorCode.HOST_FAILED) throw e;
                    // A network the host cannot make leaves the guest on user-mode networking rather than
                    // without its NIC, and its record says so (xm log, xm network-list).
                    vif = new Vif(i, v.mac().orElseGet(org.vmhost.network.MacAddress::random), Optional.empty(),
                            Optional.empty(), nicModel(config, v), Optional.empty());
                    event(d, "network-fallback", "vif " + i + " has user-mode networking (no tap, no rate): " + e.getMessage());
                }
                made.add(vif);
                Files.writeString(runDir.resolve(VIFS_FILE), VifsJson.write(made));
            }
        } catch (IOException | RuntimeException e) {
            for (Vif v : made) network.unplug(v);
            if (e instanceof VmhostException ve) throw ve;
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot make the vifs of domain '" + d.name() + "': " + describe(e), e);
        }
        return List.copyOf(made);
    }

    static final String VIFS_FILE = "vifs.json";

    /** A managed domain keeps the MACs chosen for it: they are written into its configuration, as xend did. */
    private void keepMacs(Domain d) {
        DomainConfig config = d.config();
        if (!d.managed || config.vifs().stream().allMatch(v -> v.mac().isPresent())) return;
        List<VifConfig> kept = new ArrayList<>();
        for (int i = 0; i < config.vifs().size(); i++) kept.add(withMac(config.vifs().get(i), d.vifs.get(i).mac()));
        redefineVifs(d, kept);
    }

    static VifConfig withMac(VifConfig v, String mac) {
        return new VifConfig(Optional.of(mac), v.bridge(), v.ip(), v.script(), v.type(), v.model(), v.vifname(), v.rate());
    }

    /** Writes a managed domain's vifs into its stored configuration, as xend kept them. */
    void redefineVifs(Domain d, List<VifConfig> vifs) {
        List<String> specs = vifs.stream().map(v -> "'" + org.vmhost.config.VifSpec.format(v) + "'").toList();
        DomainConfig changed = configs.parse(new DomainRequest(d.sourceName() == null ? "vifs" : d.sourceName(),
                configs.write(d.config()), List.of("vif=[" + String.join(", ", specs) + "]")));
        d.redefine(changed, configs.write(changed), d.sourceName());
        store.saveDefinition(definition(d));
    }

    void unplugVifs(Domain d) {
        for (Vif v : d.vifs) network.unplug(v);
        d.vifs = List.of();
    }

    /** The vifs for the domain's event log: each tap and bridge, or the user-mode fallback, plainly. */
    String describeVifs(List<Vif> vifs) {
        if (vifs.isEmpty()) return "";
        List<String> parts = new ArrayList<>();
        for (Vif v : vifs) {
            parts.add(v.tap().map(t -> t + " on " + v.bridge().orElse("?")).orElse("user-mode networking")
                    + " (" + v.model() + ", " + v.mac() + v.rate().map(r -> ", rate " + r).orElse("") + ")");
        }
        String fallback = network.bridging() ? "" : "; no bridges: " + network.describe();
        return "; vifs: " + String.join(", ", parts) + fallback;
    }

    static List<NicAttachment> nics(List<Vif> vifs) {
        List<NicAttachment> nics = new ArrayList<>();
        for (Vif v : vifs) {
            NicAttachment.Backend backend = v.tap().<NicAttachment.Backend>map(NicAttachment.Tap::new)
                    .orElseGet(NicAttachment.User::new);
            nics.add(new NicAttachment(v.mac(), backend));
        }
        return nics;
    }

    private static java.util.OptionalInt vncDisplay(DomainConfig config, int domid) {
        Optional<VfbConfig> vfb = config.vfbs().stream().filter(VfbConfig::vnc).findFirst();
        if (vfb.isEmpty()) return OptionalInt.empty();
        // Xen's rule: a fixed display if given, else the domain id (vncunused picks the first free later).
        return OptionalInt.of(vfb.get().vncdisplay().orElse(domid));
    }

    private DomainStatus status(Domain d, int domid, long pid, long startTime, Path runDir, DomainState state, Instant at) {
        return new DomainStatus(d.uuid, domid, pid, startTime, runDir.resolve("qmp.sock").toString(),
                runDir.resolve("console.sock").toString(), home.consoleLog(d.uuid).toString(), state.name(), at,
                VifsJson.write(d.vifs));
    }

    void saveStatus(Domain d) {
        DomainRuntime rt = d.runtime;
        if (rt == null || d.domid().isEmpty()) return;
        store.saveStatus(status(d, d.domid().getAsInt(), rt.process().handle().pid(), rt.process().handle().startTime(), rt.runDir(),
                d.state(), d.startedAt()));
    }

    void event(Domain d, String kind, String message) {
        store.appendEvent(Instant.now(), d.name(), kind, "domain '" + d.name() + "': " + message);
        LOG.info("domain '" + d.name() + "': " + message);
    }

    DomainDefinition definition(Domain d) {
        return new DomainDefinition(d.uuid, d.name(), d.configText(), d.sourceName(), d.managed, d.autostart(), Instant.now());
    }

    private DomainInfo info(Domain d) {
        DomainConfig c = d.config();
        DomainRuntime rt = d.runtime;
        double cpu = rt == null ? 0 : cpuSeconds(rt.process().handle().pid());
        return new DomainInfo(d.name(), d.domid(), d.uuid, c.type(), Vcpus.shown(d), c.memory(), c.maxmem(), c.vcpus(),
                cpu, d.managed, d.autostart(), d.configText(),
                d.startedAt() == null ? 0 : Duration.between(d.startedAt(), Instant.now()).toMillis() / 1000.0);
    }

    private DomainInfo domain0() {
        HostInfo h = host.info();
        return new DomainInfo("Domain-0", OptionalInt.of(0), DOMAIN0_UUID, org.vmhost.config.DomainType.PV,
                DomainState.RUNNING, (int) h.totalMemory(), (int) h.totalMemory(), h.cpus(), host.hostCpuSeconds().get(),
                false, false, "", h.uptimeSeconds());
    }

    private static void createPrivateDir(Path dir) throws IOException {
        Files.createDirectories(dir.getParent());
        deleteTree(dir);
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot remove " + dir, e);
        }
    }

    private static String lastLines(Path file, int n) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join(" ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmhostException(ErrorCode.INTERNAL, "interrupted");
        }
    }

    /** Ends a QEMU: quit, then SIGTERM, then SIGKILL. */
    static void terminate(QemuProcess process) {
        try {
            process.terminate(Duration.ofSeconds(3), Duration.ofSeconds(3));
        } catch (QemuProcessException e) {
            LOG.log(Level.SEVERE, "QEMU pid " + process.handle().pid() + " could not be killed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void killQuietly(QemuHandle handle) {
        try {
            QemuProcess.kill(handle);
        } catch (QemuProcessException e) {
            LOG.log(Level.SEVERE, "QEMU pid " + handle.pid() + " could not be killed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** User and system CPU time of a process, from /proc/PID/stat (fields 14 and 15, in USER_HZ). */
    static double cpuSeconds(long pid) {
        try {
            String line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
