package org.vmhost.domain;

import org.vmhost.event.DomainEvent;
import org.vmhost.error.VmhostException;
import org.vmhost.error.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.vmhost.config.DomainConfig;
import org.vmhost.config.LifecycleAction;
import org.vmhost.config.VifConfig;
import org.vmhost.console.ConsoleLog;
import org.vmhost.console.ConsoleRelay;
import org.vmhost.network.HostNetwork;
import org.vmhost.network.NetworkConfig;
import org.vmhost.network.NetworkInfo;
import org.vmhost.network.Vif;
import org.vmhost.domain.Transitions.Operation;
import org.vmhost.qemu.NicAttachment;
import org.vmhost.qemu.QemuHandle;
import org.vmhost.qemu.Qemu;
import org.vmhost.qemu.QemuLauncher;
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
    private final QemuLauncher qemu;
    private final DomainRegistry registry = new DomainRegistry(() -> wakeEventStream());
    private final DiskClaims claims = new DiskClaims();
    private final VifHotplug vifHotplug;
    private final DiskHotplug diskHotplug;
    private final ImageOperations images;
    private final Definitions definitions;
    private final Recovery recovery;
    private final Launch launches;
    private final Teardown teardowns;
    private final EventPolicy policy;
    private final Queries queries;
    private final long consoleLimit;
    private final LentFiles lentFiles;
    private final Monitoring monitoring;
    private final Vcpus vcpus;
    private final Scheduling scheduling;
    private final MemoryReserve memoryReserve = new MemoryReserve();
    private final Displays displays = new Displays();
    private final MemorySetting memorySetting = new MemorySetting(this);
    private final Migration migration;
    private final SaveRestore saveRestore;
    private final Snapshots snapshots;
    /** Completes when xend's start-up recovery has ended; complete from the start where there is none to wait for. */
    private volatile CompletableFuture<Void> recovered = CompletableFuture.completedFuture(null);

    public LocalDomainService(XendHome home, Store store, HostEnvironment host, DomainConfigs configs, HostNetwork network) {
        this(home, store, host, configs, network, List.of(), QemuLauncher.HOST);
    }

    /** @param imagePools storage pools besides xend's own, as xend.conf's {@code image_pools} names them */
    public LocalDomainService(XendHome home, Store store, HostEnvironment host, DomainConfigs configs, HostNetwork network,
                              List<Path> imagePools) {
        this(home, store, host, configs, network, imagePools, QemuLauncher.HOST);
    }

    /** With another way to run QEMU: the service's unit tests pass a scripted fake. */
    public LocalDomainService(XendHome home, Store store, HostEnvironment host, DomainConfigs configs, HostNetwork network,
                              QemuLauncher qemu) {
        this(home, store, host, configs, network, List.of(), qemu);
    }

    /** As above, with each console log (and QEMU's log) kept below {@code consoleLimit} bytes, plus one older generation. */
    public LocalDomainService(XendHome home, Store store, HostEnvironment host, DomainConfigs configs, HostNetwork network,
                              long consoleLimit) {
        this(home, store, host, configs, network, List.of(), consoleLimit, QemuLauncher.HOST);
    }

    public LocalDomainService(XendHome home, Store store, HostEnvironment host, DomainConfigs configs, HostNetwork network,
                              List<Path> imagePools, QemuLauncher qemu) {
        this(home, store, host, configs, network, imagePools, ConsoleLog.DEFAULT_LIMIT, qemu);
    }

    public LocalDomainService(XendHome home, Store store, HostEnvironment host, DomainConfigs configs, HostNetwork network,
                              List<Path> imagePools, long consoleLimit, QemuLauncher qemu) {
        this.qemu = Objects.requireNonNull(qemu);
        this.consoleLimit = consoleLimit;
        this.home = Objects.requireNonNull(home);
        this.store = Objects.requireNonNull(store);
        this.host = Objects.requireNonNull(host);
        this.configs = Objects.requireNonNull(configs);
        this.network = Objects.requireNonNull(network);
        this.vifHotplug = new VifHotplug(this, network);
        this.diskHotplug = new DiskHotplug(this, configs, store, registry, claims);
        this.images = new ImageOperations(this, home, store, registry, imagePools);
        this.definitions = new Definitions(this, configs, store, home);
        this.launches = new Launch(this, home, store, host, network, registry, claims, qemu);
        this.teardowns = new Teardown(this, store, registry);
        this.policy = new EventPolicy(this);
        this.queries = new Queries(home, host, registry);
        this.recovery = new Recovery(this, home, store, configs, registry, network, qemu);
        this.lentFiles = new LentFiles(host.qemuUser(), home.runDir().resolve("lent-files.json"));
        this.monitoring = new Monitoring(home, registry);
        this.vcpus = new Vcpus(this, registry);
        this.scheduling = new Scheduling(this, registry, Path.of("/sys/fs/cgroup"), home.root());
        this.migration = new Migration(this, home, store, host, registry, configs);
        this.saveRestore = new SaveRestore(this, home, store, host, configs, registry);
        this.snapshots = new Snapshots(this);
    }

    // ---- queries -------------------------------------------------------------------------------

    @Override
    public List<DomainInfo> list() {
        return queries.list();
    }

    @Override
    public DomainInfo get(String ref) {
        return queries.get(ref);
    }

    @Override
    public List<String> dmesg(int lines) {
        return queries.dmesg(lines);
    }

    DomainInfo info(Domain d) {
        return queries.info(d);
    }

    /** A domain for an operation; Domain-0, the host itself, takes none. */
    Domain require(String ref, String verb) {
        if (ref.equals("Domain-0") || ref.equals("0") || ref.equals(DOMAIN0_UUID)) {
            throw new VmhostException(ErrorCode.INVALID_STATE, "cannot " + verb + " Domain-0: it is the host");
        }
        awaitRecovery(verb + " domain '" + ref + "'"); // its re-attach, if xend just started, ends first
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

    private void wakeEventStream() {
        if (store != null) store.wake();
    }

    @Override
    public long awaitEvents(long seen, java.time.Duration timeout) throws InterruptedException {
        return store.awaitEvents(seen, timeout);
    }

    @Override
    public ConsoleEndpoint console(String ref) {
        return new ConsoleEndpoint(consoleRelay(ref).clientSocket().toString());
    }

    @Override
    public ConsoleEndpoint vnc(String ref) {
        Domain d = require(ref, "open the graphical console of");
        DomainRuntime rt = d.runtime;
        if (rt == null && d.orphan != null) d.requireReadable();
        if (rt == null || !Operation.CONSOLE.allowedIn(d.state())) {
            throw new VmhostException(ErrorCode.INVALID_STATE, "domain '" + d.name() + "' is not running; it has no graphical console");
        }
        return new ConsoleEndpoint(displays.relay(d, rt).clientSocket().toString());
    }

    /** Ends the graphical console relay of a run that ends. */
    void closeDisplay(DomainRuntime rt) {
        displays.close(rt);
    }

    /** The relay of a running domain's console, for in-process clients such as the web console. */
    public ConsoleRelay consoleRelay(String ref) {
        Domain d = require(ref, "attach to the console of");
        DomainRuntime rt = d.runtime;
        if (rt == null && d.orphan != null) d.requireReadable(); // its QEMU runs, but xend does not control it
        if (rt == null || !Operation.CONSOLE.allowedIn(d.state())) {
            throw new VmhostException(ErrorCode.INVALID_STATE, "domain '" + d.name() + "' is not running; it has no console");
        }
        return rt.console();
    }

    // ---- definitions ---------------------------------------------------------------------------

    @Override
    public DomainInfo define(DomainRequest request) {
        awaitRecovery("define a domain");
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
        delete(ref, false);
    }

    @Override
    public void delete(String ref, boolean withImages) {
        Domain d = require(ref, "delete");
        d.runJob("delete", () -> {
            Transitions.requireAllowed(d.name(), Operation.DELETE, d.state());
            List<Runnable> imageDeletions = withImages ? images.planDeletion(d) : List.of(); // all checked before anything goes
            store.transaction(tx -> {
                tx.deleteDefinition(d.uuid);
                tx.appendEvent(Instant.now(), d.name(), "deleted", "domain '" + d.name() + "' deleted"
                        + (withImages ? " with its images" : ""));
            });
            registry.remove(d);
            for (Runnable deletion : imageDeletions) deletion.run();
        });
    }

    /** Recovery: a re-attached domain whose edit waited for its next boot runs with the text it was started from. */
    void recoverNextBoot(Domain d) {
        definitions.recover(d);
    }

    @Override
    public ConfigTextInfo configText(String ref) {
        return definitions.configText(ref);
    }

    @Override
    public ConfigTextInfo redefine(String ref, DomainRequest request) {
        return definitions.redefine(ref, request);
    }

    @Override
    public List<org.vmhost.storage.PoolInfo> listPools() {
        return images.listPools();
    }

    @Override
    public DomainInfo rename(String ref, String newName) {
        DomainConfig.nameProblem(newName).ifPresent(why -> {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "invalid domain name '" + newName + "': " + why);
        });
        Domain d = require(ref, "rename");
        return d.runJob("rename", () -> {
            Transitions.requireAllowed(d.name(), Operation.RENAME, d.state());
            String old = d.name();
            registry.rename(d, newName);
            try {
                DomainConfig renamed = configs.withName(d.config(), newName);
                d.redefine(renamed, configs.write(renamed), d.sourceName());
                d.nextBoot().ifPresent(n -> {
                    DomainConfig next = configs.withName(n.config(), newName);
                    d.redefineNextBoot(next, configs.write(next), n.sourceName());
                });
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
        awaitRecovery("create a domain");
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
        awaitRecovery("create a network");
        NetworkInfo created = network.create(config);
        store.appendEvent(Instant.now(), "Domain-0", "network-created", "network '" + created.name() + "' created: "
                + created.type() + " on bridge " + created.bridge() + created.subnet().map(s -> ", subnet " + s).orElse(""));
        return created;
    }

    @Override
    public void deleteNetwork(String name) {
        awaitRecovery("delete network '" + name + "'");
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
    public org.vmhost.storage.ImageInfo importImage(String pool, String name, String format) {
        awaitRecovery("import an image");
        return images.importImage(pool, name, format);
    }

    @Override
    public org.vmhost.storage.ImageInfo createImage(String pool, String name, String format, long bytes) {
        awaitRecovery("create an image");
        return images.createImage(pool, name, format, bytes);
    }

    @Override
    public org.vmhost.storage.ImageInfo cloneImage(String pool, String source, String name, boolean linked) {
        awaitRecovery("clone an image");
        return images.cloneImage(pool, source, name, linked);
    }

    @Override
    public org.vmhost.storage.ImageInfo resizeImage(String pool, String name, long bytes, boolean shrink) {
        awaitRecovery("resize an image");
        return images.resizeImage(pool, name, bytes, shrink);
    }

    @Override
    public void deleteImage(String pool, String name) {
        awaitRecovery("delete an image");
        images.deleteImage(pool, name);
    }

    // ---- migration -----------------------------------------------------------------------------

    @Override
    public void migrate(String ref, MigrationRequest request) {
        migration.migrate(ref, request);
    }

    /** The destination's side of a migration, for the relocation server. */
    public org.vmhost.relocation.RelocationServer.Handler relocationHandler() {
        return migration;
    }

    /** The longest pause a live migration may cause ({@code migration_max_downtime_ms}). */
    public void setMigrationMaxDowntime(long ms) {
        migration.setMaxDowntime(ms);
    }

    /** Starts a migrating domain's QEMU, waiting for its state on {@code incoming}; inside its job. */
    void launchIncoming(Domain d, Path incoming) {
        launches.launch(d, true, new Launch.Incoming() {
            @Override
            public void load(QmpClient qmp) {
                // the source sends the state through the relocation server, after this returns
            }

            @Override
            public List<String> args() {
                return org.vmhost.qemu.QemuMigration.incomingArgs(incoming);
            }
        });
    }

    // ---- start and stop ------------------------------------------------------------------------

    void launch(Domain d, boolean paused) {
        d.applyNextBoot(); // an edit made while it ran: a restart after a crash launches again without stopping
        launches.launch(d, paused);
    }

    void launch(Domain d, boolean paused, Launch.Incoming incoming) {
        launches.launch(d, paused, incoming);
    }

    // ---- save, restore and snapshots -----------------------------------------------------------

    @Override
    public void save(String ref, String file, boolean checkpoint) {
        saveRestore.save(ref, file, checkpoint);
    }

    /** Keeps paused a source guest whose migration xend did not see through: it may run on the destination. */
    void keepAfterUnfinishedMigration(Domain d) {
        migration.keepAfterUnfinishedMigration(d);
    }

    /** Whether a domain's QEMU was taking it in from another host when the last xend ended. */
    boolean wasMigratingIn(Domain d) {
        return Files.exists(Migration.incomingMark(home, d.uuid));
    }

    /** Continues a guest that a save stopped and that xend did not see through (it died meanwhile). */
    void resumeAfterUnfinishedSave(Domain d) {
        saveRestore.resumeAfterUnfinishedSave(d);
    }

    @Override
    public DomainInfo restore(String file, boolean paused) {
        awaitRecovery("restore a domain");
        return saveRestore.restore(file, paused);
    }

    @Override
    public List<SnapshotInfo> listSnapshots(String ref) {
        return snapshots.list(ref);
    }

    @Override
    public SnapshotInfo createSnapshot(String ref, String name, boolean diskOnly) {
        return snapshots.create(ref, name, diskOnly);
    }

    @Override
    public DomainInfo applySnapshot(String ref, String name) {
        return snapshots.apply(ref, name);
    }

    @Override
    public void deleteSnapshot(String ref, String name) {
        snapshots.delete(ref, name);
    }

    /**
     * Refuses, before anything changes, to save or migrate a domain that has devices hot-plugged since its QEMU
     * started: the QEMU that takes the state is started from the configuration, where such a device sits elsewhere
     * (or, a vCPU, not as a device), and could not load it.
     */
    void requireNoHotplugged(Domain d, String verb) {
        requireNoHotplugged(d, verb, "");
    }

    /** As {@link #requireNoHotplugged(Domain, String)}, its error ending with {@code alsoPossible} (e.g. "; or ..."). */
    void requireNoHotplugged(Domain d, String verb, String alsoPossible) {
        List<String> devices = new ArrayList<>();
        qmp(d, verb, q -> devices.addAll(org.vmhost.qemu.QemuMigration.hotplugged(q)));
        if (devices.isEmpty()) return;
        throw new VmhostException(ErrorCode.INVALID_STATE, "cannot " + verb + " domain '" + d.name() + "': "
                + String.join(", ", devices) + (devices.size() == 1 ? " was" : " were") + " hot-plugged while it runs, and "
                + "a QEMU started from its configuration would not have " + (devices.size() == 1 ? "it" : "them")
                + " where the saved state expects; detach " + (devices.size() == 1 ? "it" : "them")
                + " first (xm block-detach, network-detach, vcpu-set), or shut the domain down and start it again"
                + alsoPossible);
    }

    void teardown(Domain d, String kind, String why) {
        teardowns.teardown(d, kind, why);

    }

    /** The bounded log of a domain's serial console. */
    ConsoleLog consoleLog(String uuid) {
        return new ConsoleLog(home.consoleLog(uuid), consoleLimit);
    }

    /** QEMU's own log of a domain, bounded like its console log. */
    ConsoleLog qemuLog(String uuid) {
        return new ConsoleLog(home.qemuLog(uuid), consoleLimit);
    }

    /** The relay of a domain's serial console, on its bounded log and with its socket in the run directory. */
    ConsoleRelay newRelay(Domain d, Path qemuConsoleSocket, Path runDir) {
        return new ConsoleRelay(d.name(), qemuConsoleSocket, consoleLog(d.uuid), runDir.resolve("xmconsole.sock"));
    }

    Scheduling scheduling() {
        return scheduling;
    }

    MemoryReserve memoryReserve() {
        return memoryReserve;
    }

    // ---- events from QEMU ----------------------------------------------------------------------

    void onEvent(Domain d, QmpEvent e) {
        policy.onEvent(d, e);
    }

    void watchExit(Domain d, Qemu process, ExecutorService queue) {
        policy.watchExit(d, process, queue);
    }

    void apply(Domain d, LifecycleAction action, String kind, String why) {
        policy.apply(d, action, kind, why);
    }

    // ---- recovery at start-up ------------------------------------------------------------------

    /**
     * Rebuilds the registry after xend starts: loads definitions and status, re-attaches to each QEMU that
     * still runs, settles the domains that ended while xend was away, and kills any QEMU it cannot
     * re-attach to, so that no guest ever runs twice.
     */
    public void recover() {
        recovery.recover();
        migration.sweepLeftovers();
    }

    /**
     * xend's start-up recovery, answering early: loads the definitions and marks each domain found running as
     * re-attaching (quick, before this returns), then, once {@code apiOpen} has completed, re-attaches, sweeps and
     * starts the statistics sampler on a thread of its own. (Not sooner: its handshakes, relays and compiling would
     * take CPU from the API's own start on a host whose CPUs the guests share; 100 defined + 10 running: {@code xend
     * start} to {@code xm list} ~50-160 ms sooner, bench/README.md.) Until the returned future completes, only the
     * listings answer (list, a domain's info, the host, the log, networks, images); every other call waits for it
     * ({@link #awaitRecovery}), so that nothing acts on a domain before its re-attach and nothing starts before the
     * stray sweep.
     */
    public CompletableFuture<Void> recoverInBackground(CompletableFuture<?> apiOpen) {
        List<Recovery.Found> found = recovery.load();
        CompletableFuture<Void> done = new CompletableFuture<>();
        recovered = done;
        apiOpen.thenRun(() -> Thread.ofVirtual().name("recovery").start(() -> {
            try {
                recovery.reattach(found);
                migration.sweepLeftovers();
                startMonitoring();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }));
        return done;
    }

    /**
     * Waits until xend's start-up recovery has ended, at most {@link Domain#JOB_WAIT}: every call but the listings
     * does, first. At once when there is none.
     */
    void awaitRecovery(String what) {
        CompletableFuture<Void> r = recovered;
        if (r.isDone() && !r.isCompletedExceptionally()) return;
        try {
            r.get(Domain.JOB_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            long left = registry.unordered().stream().filter(d -> d.state() == DomainState.REATTACHING).count();
            throw new VmhostException(ErrorCode.TIMEOUT, "xend is still re-attaching to the domains that ran before it "
                    + "started (" + left + " left); " + what + " gave up after " + Domain.JOB_WAIT.toSeconds() + " s");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new VmhostException(ErrorCode.INTERNAL, "xend's start-up recovery failed (" + describe(e.getCause())
                    + "); " + what + " is refused", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmhostException(ErrorCode.INTERNAL, "interrupted while waiting for xend's start-up recovery");
        }
    }

    @Override
    public DomainInfo setMemory(String ref, int mib) {
        memorySetting.set(ref, mib);
        return get(ref);
    }

    @Override
    public DomainInfo setMaxMemory(String ref, int mib) {
        memorySetting.setMax(ref, mib);
        return get(ref);
    }

    @Override
    public DomainInfo setVcpus(String ref, int count) {
        vcpus.set(ref, count);
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
        awaitRecovery("read the statistics");
        return monitoring.stats();
    }

    @Override
    public org.vmhost.monitor.SeriesHistory history(String ref, String metric, Instant from, Instant to, String resolution) {
        awaitRecovery("read the history");
        if (ref.equals("Domain-0") || ref.equals("0") || ref.equals(DOMAIN0_UUID))
            return monitoring.history(null, "the host", metric, from, to, resolution);
        Domain d = registry.require(ref);
        return monitoring.history(d.uuid, "domain '" + d.name() + "'", metric, from, to, resolution);
    }

    @Override
    public List<org.vmhost.resources.VcpuInfo> listVcpus(String ref) {
        awaitRecovery("list the vCPUs");
        return vcpus.list(ref);
    }

    @Override
    public void pinVcpu(String ref, String vcpu, String cpus) {
        vcpus.pin(ref, vcpu, cpus);
    }

    @Override
    public org.vmhost.resources.SchedulerInfo schedCredit(String ref) {
        awaitRecovery("show the scheduler settings");
        return new org.vmhost.resources.SchedulerInfo(scheduling.describe(), scheduling.list(ref));
    }

    @Override
    public org.vmhost.resources.SchedCredit setSchedCredit(String ref, Integer weight, Integer cap) {
        return scheduling.set(ref, weight, cap);
    }

    /** Starts what should run with xend: configs in the auto directory, and managed domains marked so. */
    @Override
    public void autostart() {
        awaitRecovery("start the autostart domains");
        recovery.autostart();
    }

    /** Leaves every guest running: xend's exit must never take a guest down. */
    @Override
    public void close() {
        monitoring.close();
        scheduling.close();
        displays.closeAll();
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
        if (rt == null) {
            d.requireReadable();
            throw new VmhostException(ErrorCode.INVALID_STATE, "domain '" + d.name() + "' is not running");
        }
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

    static final String VIFS_FILE = "vifs.json";

    static VifConfig withMac(VifConfig v, String mac) {
        return new VifConfig(Optional.of(mac), v.bridge(), v.ip(), v.script(), v.type(), v.model(), v.vifname(), v.rate());
    }

    /** Writes a managed domain's vifs into its stored configuration, as xend kept them. */
    void redefineVifs(Domain d, List<VifConfig> vifs) {
        DomainConfig changed = withVifs(d, vifs);
        d.redefine(changed, configs.edit(d.sourceName(), d.configText(), d.config(), changed), d.sourceName());
        store.saveDefinition(definition(d));
    }

    /** The domain's configuration with these vifs instead of its own. */
    private DomainConfig withVifs(Domain d, List<VifConfig> vifs) {
        return configs.parse(new DomainRequest(d.sourceName() == null ? "vifs" : d.sourceName(),
                configs.write(d.config()), List.of(vifSetting(vifs))));
    }

    /** {@code vif=[...]}, the setting that gives a domain these vifs. */
    static String vifSetting(List<VifConfig> vifs) {
        return "vif=[" + String.join(", ", vifs.stream().map(v -> "'" + org.vmhost.config.VifSpec.format(v) + "'").toList()) + "]";
    }

    /**
     * A running domain's vifs, each with the MAC its NIC has now (xend chose it at start where the vif names none):
     * what a save file and a migration carry, so that the QEMU that takes the guest's state gives its NICs the MACs
     * they had. Empty when the domain has no vif, or its NICs do not match its vifs one for one.
     */
    Optional<List<VifConfig>> vifsWithLiveMacs(Domain d) {
        List<VifConfig> vifs = d.config().vifs();
        List<Vif> live = d.vifs;
        if (vifs.isEmpty() || live.size() != vifs.size()) return Optional.empty();
        List<VifConfig> pinned = new ArrayList<>();
        for (int i = 0; i < vifs.size(); i++) pinned.add(withMac(vifs.get(i), live.get(i).mac()));
        return Optional.of(pinned);
    }

    /**
     * A running domain's definition text with its NICs' MACs ({@link #vifsWithLiveMacs}) written into it, edited in
     * place where it can be: what a migration carries. The text as it is where every vif names its MAC.
     */
    String textWithLiveMacs(Domain d) {
        if (d.config().vifs().stream().allMatch(v -> v.mac().isPresent())) return d.configText();
        return vifsWithLiveMacs(d).map(pinned -> configs.edit(d.sourceName(), d.configText(), d.config(), withVifs(d, pinned)))
                .orElse(d.configText());
    }

    /** Changes keys of a domain's stored configuration ({@code "vcpus=2"}), checked as xm new checks a file. */
    void redefine(Domain d, List<String> settings) {
        DomainConfig changed = configs.parse(new DomainRequest(d.sourceName() == null ? "config" : d.sourceName(),
                configs.write(d.config()), settings));
        d.redefine(changed, configs.edit(d.sourceName(), d.configText(), d.config(), changed), d.sourceName());
        store.saveDefinition(definition(d));
    }

    void unplugVifs(Domain d) {
        for (Vif v : d.vifs) network.unplug(v);
        d.vifs = List.of();
        lentFiles.releaseAll(d.uuid); // the domain's QEMU is gone: so are its host resources, lent files too
    }

    /** Lends a disk's file to QEMU's user before a QEMU that has dropped root opens it (hot-plug, new medium). */
    void lend(Domain d, org.vmhost.config.DiskConfig disk) {
        if (disk.backend() == org.vmhost.config.DiskBackend.NBD) return; // a network export: no host file to lend
        disk.target().ifPresent(t -> lentFiles.lend(d.uuid, t, disk.access().writable() && !disk.cdrom()));
    }

    /** Refuses, before anything changes, a disk's file that {@link #lend} would refuse. */
    void requireLendable(org.vmhost.config.DiskConfig disk) {
        if (disk.backend() == org.vmhost.config.DiskBackend.NBD) return;
        disk.target().ifPresent(lentFiles::requireLendable);
    }

    /**
     * Before a save or a migration, and before a guest continues after one: lends the domain's config images to QEMU's
     * user if its QEMU will open them again then, no longer root. Only a QEMU that an older xend started does
     * ({@link DomainRuntime#keepsImagesOpen}); this xend's keep the descriptors they opened as root and are lent
     * nothing. Strict, an image that cannot be lent fails the call (naming the directory QEMU's user cannot search);
     * otherwise it is logged, and QEMU's own error is the one reported if it then cannot open it.
     */
    void lendImagesIfReopened(Domain d, boolean strict) {
        DomainRuntime rt = d.runtime;
        if (host.qemuUser().isEmpty() || (rt != null && rt.keepsImagesOpen())) return;
        for (org.vmhost.config.DiskConfig disk : d.config().disks()) {
            if (disk.target().isEmpty()) continue;
            try {
                lend(d, disk);
            } catch (VmhostException e) {
                if (strict) throw e;
                LOG.warning("domain '" + d.name() + "': " + e.getMessage());
            }
        }
    }

    /**
     * What QEMU wrote to its log since {@code before}, as {@code " (QEMU said: ...)"}, for a failure QEMU reported
     * only as "failed" (a save's or a migration's); empty for any other failure, or if QEMU said nothing.
     */
    static String qemuSaid(Exception e, Path log, long before) {
        if (!(e instanceof VmhostException ve) || ve.code() != ErrorCode.QEMU_FAILED) return "";
        String words = org.vmhost.qemu.QemuProcess.wordsSince(log, before, " (QEMU said: ");
        return words.isEmpty() ? "" : words + ")";
    }

    /** The domain's QEMU no longer uses a disk's file. */
    void release(Domain d, org.vmhost.config.DiskConfig disk) {
        if (disk.backend() == org.vmhost.config.DiskBackend.NBD) return;
        disk.target().ifPresent(t -> lentFiles.release(d.uuid, t));
    }

    /** The vifs for the domain's event log: each tap and bridge, or the user-mode fallback, plainly. */
    String describeVifs(List<Vif> vifs) {
        if (vifs.isEmpty()) return "";
        List<String> parts = new ArrayList<>();
        for (Vif v : vifs) {
            parts.add(v.tap().map(t -> t + " on " + v.bridge().orElse("?")).orElse("user-mode networking")
                    + " (" + v.model() + ", " + v.mac() + v.rate().map(r -> ", rate " + r).orElse("") + ")");
        }
        String fallback = network.bridging() || vifs.stream().allMatch(v -> v.tap().isPresent()) ? "" : "; " + network.describe();
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

    DomainStatus status(Domain d, int domid, long pid, long startTime, Path runDir, DomainState state, Instant at) {
        return new DomainStatus(d.uuid, domid, pid, startTime, runDir.resolve("qmp.sock").toString(),
                runDir.resolve("console.sock").toString(), home.consoleLog(d.uuid).toString(), state.name(), at,
                VifsJson.write(d.vifs, d.memoryTarget));
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
        return new DomainDefinition(d.uuid, d.name(), d.nextBootText(), d.sourceName(), d.managed, d.autostart(), Instant.now());
    }

    /** Removes a run or migration directory, which QEMU's user may write in, without following links (FileTrees). */
    static void deleteTree(Path dir) {
        org.vmhost.host.FileTrees.deleteOrLog(dir);
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
    static void terminate(Qemu process) {
        try {
            process.terminate(Duration.ofSeconds(3), Duration.ofSeconds(3));
        } catch (QemuProcessException e) {
            LOG.log(Level.SEVERE, "QEMU pid " + process.handle().pid() + " could not be killed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void killQuietly(QemuHandle handle) {
        try {
            qemu.kill(handle);
        } catch (QemuProcessException e) {
            LOG.log(Level.SEVERE, "QEMU pid " + handle.pid() + " could not be killed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
