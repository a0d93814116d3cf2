package org.vmhost.domain;

import org.vmhost.error.VmhostException;
import org.vmhost.error.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.vmhost.config.DomainConfig;
import org.vmhost.console.ConsoleRelay;
import org.vmhost.network.HostNetwork;
import org.vmhost.network.Vif;
import org.vmhost.qemu.QemuHandle;
import org.vmhost.qemu.Qemu;
import org.vmhost.qemu.QemuLauncher;
import org.vmhost.qemu.QemuProcessException;
import org.vmhost.qemu.qmp.QmpStatus;
import org.vmhost.store.DomainDefinition;
import org.vmhost.store.DomainStatus;
import org.vmhost.store.Store;

/**
 * What xend does when it starts: rebuilds the registry from the store, re-attaches to each QEMU that still
 * runs (killing one it cannot control, and any QEMU or tap no domain owns), then starts the autostart domains.
 */
final class Recovery {
    private static final Logger LOG = LocalDomainService.LOG;

    private final LocalDomainService service;
    private final XendHome home;
    private final Store store;
    private final DomainConfigs configs;
    private final DomainRegistry registry;
    private final HostNetwork network;
    private final QemuLauncher qemu;

    Recovery(LocalDomainService service, XendHome home, Store store, DomainConfigs configs, DomainRegistry registry,
            HostNetwork network, QemuLauncher qemu) {
        this.qemu = qemu;
        this.service = service;
        this.home = home;
        this.store = store;
        this.configs = configs;
        this.registry = registry;
        this.network = network;
    }

    /**
     * Rebuilds the registry after xend starts: loads definitions and status, re-attaches to each QEMU that
     * still runs, settles the domains that ended while xend was away, and kills any QEMU it cannot
     * re-attach to, so that no guest ever runs twice.
     */
    void recover() {
        reattach(load());
    }

    /** A domain found with a status row, to re-attach to its QEMU. */
    record Found(Domain domain, DomainStatus status) {
    }

    /**
     * What recovery does before xend answers, all of it quick (no QMP): loads every definition, so that no
     * create can take a name or UUID meanwhile; undoes each start cut short (its guest never ran) and forgets
     * transient domains that no longer run; and marks every domain whose status row names a QEMU as
     * {@link DomainState#REATTACHING}, with the id it had, so that no listing ever shows it shut off.
     */
    List<Found> load() {
        List<DomainStatus> statuses = store.statuses();
        for (DomainDefinition def : store.definitions()) {
            DomainConfig config;
            try {
                config = configs.parse(new DomainRequest(def.sourceName(), def.configText(), List.of()));
            } catch (VmhostException e) {
                // Kept, not skipped: a domain left out here would let the stray sweep kill its QEMU, and a
                // create with its UUID overwrite its row.
                LOG.warning("stored domain '" + def.name() + "' no longer reads: " + e.getMessage());
                registry.add(Domain.unreadable(def.uuid(), def.name(), def.configText(), def.sourceName(),
                        def.managed(), def.autostart(), e.getMessage()));
                continue;
            }
            registry.add(new Domain(def.uuid(), def.name(), config, def.configText(), def.sourceName(),
                    def.managed(), def.autostart()));
        }
        List<Found> found = new ArrayList<>();
        for (DomainStatus st : statuses) {
            Optional<Domain> d = registry.findByUuid(st.uuid());
            if (d.isEmpty()) continue;
            Domain dom = d.get();
            if (savedState(dom, st) == DomainState.STARTING) {
                dom.runJob("undo a start", () -> undoStart(dom, st));
            } else {
                dom.runJob("mark", () -> {
                    dom.moveTo(DomainState.REATTACHING);
                    dom.started(st.domid(), st.startedAt());
                });
                found.add(new Found(dom, st));
            }
        }
        // A transient domain exists only while it runs: one with no QEMU left to re-attach to is forgotten.
        for (Domain d : registry.all()) {
            if (!d.managed && d.state() == DomainState.SHUT_OFF) {
                store.deleteDefinition(d.uuid);
                registry.remove(d);
            }
        }
        return found;
    }

    /**
     * Re-attaches to each QEMU that {@link #load} found, then kills every QEMU and removes every run directory that
     * no domain owns. Each domain's QMP handshake waits on its QEMU, not on the others': up to REATTACH_PARALLEL at
     * once, each in its domain's job; the sweeps wait for all of them.
     */
    void reattach(List<Found> found) {
        List<Long> adopted = java.util.Collections.synchronizedList(new ArrayList<>());
        List<java.util.concurrent.Future<?>> reattaching = new ArrayList<>();
        java.util.concurrent.Semaphore bound = new java.util.concurrent.Semaphore(REATTACH_PARALLEL);
        try (ExecutorService pool = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("re-attach-", 0).factory())) {
            for (Found f : found) {
                Domain d = f.domain();
                reattaching.add(pool.submit(() -> {
                    bound.acquireUninterruptibly();
                    try {
                        d.runJob("re-attach", () -> {
                            (d.error().isPresent() ? keepUnreadable(d, f.status()) : reattach(d, f.status())).ifPresent(adopted::add);
                            settle(d);
                        });
                    } finally {
                        bound.release();
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : reattaching) rethrow(f);
        }
        List<Long> owned = new ArrayList<>(adopted);
        for (Domain d : registry.all()) {
            DomainRuntime rt = d.runtime;
            if (rt != null) owned.add(rt.process().handle().pid());
            if (d.orphan != null) owned.add(d.orphan.pid());
        }
        killStrays(owned);
    }

    /** After a domain's re-attach: a transient one that no longer runs is forgotten; a running one takes its edit's text. */
    private void settle(Domain d) {
        if (!d.managed && d.runtime == null && d.orphan == null) {
            store.deleteDefinition(d.uuid);
            registry.remove(d);
        } else if (d.runtime != null) {
            service.recoverNextBoot(d);
        }
    }

    /** How many QEMUs xend re-attaches to at once when it starts. */
    static final int REATTACH_PARALLEL = 8;

    /** Waits for one re-attach and throws what it threw, as the one-by-one loop did. */
    private static void rethrow(java.util.concurrent.Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmhostException(ErrorCode.INTERNAL, "interrupted while re-attaching");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new VmhostException(ErrorCode.INTERNAL, "re-attaching failed: " + e.getCause());
        }
    }

    /** The QEMU a status row names, and the domain's taps as the row recorded them. */
    private QemuHandle leftOver(Domain d, DomainStatus st) {
        try {
            d.vifs = VifsJson.read(st.runtimeJson());
        } catch (IllegalArgumentException e) {
            LOG.warning("domain '" + d.name() + "': " + e.getMessage() + "; its taps are not known");
        }
        try {
            d.memoryTarget = VifsJson.memoryTarget(st.runtimeJson());
        } catch (IllegalArgumentException e) {
            LOG.warning("domain '" + d.name() + "': " + e.getMessage() + "; its last mem-set target is not known");
        }
        return new QemuHandle(st.pid(), st.pidStartTime(), Path.of(st.qmpSocket()), Path.of(st.consoleLog()),
                home.qemuLog(d.uuid), List.of(Path.of(st.consoleSocket())));
    }

    private Optional<Long> reattach(Domain d, DomainStatus st) {
        Path runDir = home.domainRunDir(d.uuid);
        DomainState saved = savedState(d, st);
        QemuHandle handle = leftOver(d, st);
        Faults.pause(Faults.BEFORE_REATTACH);
        Qemu p;
        try {
            p = qemu.attach(handle, LocalDomainService.QMP_TIMEOUT);
        } catch (QemuProcessException e) {
            if (e.reason() == QemuProcessException.Reason.QMP_UNREACHABLE) {
                // A QEMU we cannot control must not go on running beside a second copy started later.
                service.killQuietly(handle);
                forget(d, runDir, "killed", "could not re-attach after xend restarted (" + e.getMessage() + "); its QEMU was killed");
            } else {
                forget(d, runDir, "crashed", "QEMU ended while xend was away");
            }
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmhostException(ErrorCode.INTERNAL, "interrupted while re-attaching");
        }
        ExecutorService events = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("events-" + d.uuid).factory());
        ConsoleRelay console = service.newRelay(d, Path.of(st.consoleSocket()), runDir);
        try {
            p.qmp().subscribe(e -> events.execute(() -> service.onEvent(d, e)));
            console.start(LocalDomainService.QMP_TIMEOUT);
            d.runtime = new DomainRuntime(p, console, events, runDir, DomainRuntime.keepsImagesOpen(runDir, handle));
            service.watchExit(d, p, events);
            QmpStatus status = p.qmp().queryStatus();
            if (saved == DomainState.MIGRATING && service.wasMigratingIn(d) && !status.running()) {
                // A domain being taken in when the last xend ended: never resumed here, so the source has it still
                // (running, or paused if it could not learn the end). This waiting copy goes, definition and all.
                console.close();
                LocalDomainService.terminate(p);
                events.shutdownNow();
                d.runtime = null;
                d.moveTo(DomainState.RUNNING);
                d.moveTo(DomainState.DYING);
                service.unplugVifs(d);
                LocalDomainService.deleteTree(runDir);
                d.moveTo(DomainState.SHUT_OFF);
                store.transaction(tx -> {
                    tx.deleteStatus(d.uuid);
                    tx.deleteDefinition(d.uuid);
                    tx.appendEvent(Instant.now(), d.name(), "migrate-aborted", "domain '" + d.name() + "': xend stopped "
                            + "while taking it in from another host; the copy waiting here was ended (the source keeps it)");
                });
                registry.remove(d);
                return Optional.empty();
            }
            d.lastStart = Instant.EPOCH;
            d.moveTo(status.status().equals("paused") ? DomainState.PAUSED : DomainState.RUNNING);
            switch (status.status()) {
                case "shutdown" -> service.apply(d, d.config().onPoweroff(), "poweroff", "the guest powered off while xend was away");
                case "guest-panicked" -> service.apply(d, d.config().onCrash(), "crashed", "the guest panicked while xend was away");
                // A save that the last xend did not finish stopped the guest; it runs on, as after a failed save.
                case "postmigrate", "finish-migrate" -> {
                    if (saved == DomainState.MIGRATING) service.keepAfterUnfinishedMigration(d);
                    else service.resumeAfterUnfinishedSave(d);
                }
                default -> {
                    if (saved == DomainState.SHUTTING_DOWN || saved == DomainState.CRASHED) d.moveTo(saved);
                }
            }
            if (d.runtime == null) return Optional.empty();
            service.saveStatus(d);
            service.event(d, "reattached", "re-attached to QEMU pid " + st.pid() + " after xend restarted");
            return Optional.of(st.pid());
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot re-attach to domain '" + d.name() + "'; killing its QEMU", e);
            console.close();
            LocalDomainService.terminate(p);
            events.shutdownNow();
            d.runtime = null;
            forget(d, runDir, "killed", "could not re-attach after xend restarted (" + LocalDomainService.describe(e) + "); its QEMU was killed");
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmhostException(ErrorCode.INTERNAL, "interrupted while re-attaching");
        }
    }

    /**
     * A domain whose definition no longer reads, found with a status row: its QEMU, if it still runs, is left
     * running and not attached (what to do on its events would need the definition); the domain is listed in
     * its saved state with its error, and xm destroy ends it.
     */
    private Optional<Long> keepUnreadable(Domain d, DomainStatus st) {
        Path runDir = home.domainRunDir(d.uuid);
        DomainState saved = savedState(d, st);
        QemuHandle handle = leftOver(d, st);
        if (!qemu.isRunning(handle)) {
            forget(d, runDir, "crashed", "QEMU ended while xend was away");
            return Optional.empty();
        }
        d.orphan = handle;
        d.moveTo(saved == DomainState.PAUSED ? DomainState.PAUSED : DomainState.RUNNING);
        if (saved == DomainState.SHUTTING_DOWN || saved == DomainState.CRASHED) d.moveTo(saved);
        service.event(d, "unreadable", "its stored definition no longer reads (" + d.error().orElseThrow()
                + "); its QEMU pid " + st.pid() + " is left running, not controlled; xm destroy ends it");
        return Optional.of(st.pid());
    }

    /**
     * A status row still {@code STARTING}: xend died during a start, whose guest never ran (QEMU waits with its vCPUs
     * stopped until xend's {@code cont}). Its QEMU is killed and what the start made removed, as for any domain.
     */
    private void undoStart(Domain d, DomainStatus st) {
        QemuHandle handle = leftOver(d, st);
        service.killQuietly(handle);
        service.unplugVifs(d);
        LocalDomainService.deleteTree(home.domainRunDir(d.uuid));
        store.deleteStatus(d.uuid);
        service.event(d, "start-interrupted", "xend stopped while starting the domain; what it made was removed");
    }

    /**
     * The state a status row names. The store keeps it as text; one this xend does not know (a newer one
     * wrote it) is taken as running, and the QEMU's own answer (query-status) settles the rest.
     */
    private static DomainState savedState(Domain d, DomainStatus st) {
        try {
            return DomainState.valueOf(st.state());
        } catch (IllegalArgumentException e) {
            LOG.warning("domain '" + d.name() + "': unknown saved state " + st.state() + "; taken as running");
            return DomainState.RUNNING;
        }
    }

    /** Records that a domain found at start-up no longer runs. */
    private void forget(Domain d, Path runDir, String kind, String message) {
        service.unplugVifs(d);
        LocalDomainService.deleteTree(runDir);
        if (d.state() == DomainState.STARTING) d.moveTo(DomainState.RUNNING);
        if (d.state() != DomainState.DYING) d.moveTo(DomainState.DYING);
        d.moveTo(DomainState.SHUT_OFF);
        if (d.managed) {
            store.deleteStatus(d.uuid);
        } else {
            store.deleteDefinition(d.uuid);
            registry.remove(d);
        }
        service.event(d, kind, message);
    }

    /**
     * Kills every QEMU whose command line points into this xend's run directory but that no domain owns:
     * what a start cut short by xend's death left before its status row was written.
     */
    private void killStrays(List<Long> owned) {
        String marker = home.runDir().toString() + "/";
        List<ProcessHandle> strays = ProcessHandle.allProcesses()
                .filter(p -> !owned.contains(p.pid()))
                .filter(p -> p.info().arguments().map(a -> java.util.Arrays.stream(a).anyMatch(x -> x.contains(marker))).orElse(false))
                .filter(p -> p.info().command().map(c -> c.contains("qemu")).orElse(false))
                .toList();
        for (ProcessHandle p : strays) {
            LOG.warning("killing stray QEMU pid " + p.pid() + " that no domain owns");
            p.destroyForcibly();
        }
        // Until a killed QEMU has been reaped (by init: its xend is gone) its cgroup cannot be removed, and the sweep
        // that follows would leave it there.
        awaitEnd(strays, STRAY_END_WAIT);
        // Run directories of domains that no longer run, and what else an earlier xend left in run/. Not this xend's
        // own: the API, open meanwhile, binds its socket in a private directory named after this pid
        // (api.ApiServer's ".<pid in base 36>-<n>") and moves it to xend.sock.
        String ours = "." + Long.toString(ProcessHandle.current().pid(), 36) + "-";
        try (var dirs = Files.list(home.runDir())) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                String uuid = dir.getFileName().toString();
                if (uuid.startsWith(ours)) continue;
                boolean owned2 = registry.findByUuid(uuid).map(dd -> dd.runtime != null || dd.orphan != null).orElse(false);
                if (!owned2) {
                    removeStrayVifs(dir);
                    LocalDomainService.deleteTree(dir);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot tidy " + home.runDir(), e);
        }
    }

    /** How long the sweep waits for a killed stray QEMU to end before going on without it. */
    private static final java.time.Duration STRAY_END_WAIT = java.time.Duration.ofSeconds(5);

    /** Waits for every one of the processes to end, together, at most {@code wait}; one that has not is logged. */
    private static void awaitEnd(List<ProcessHandle> processes, java.time.Duration wait) {
        try {
            java.util.concurrent.CompletableFuture.allOf(processes.stream().map(ProcessHandle::onExit)
                    .toArray(java.util.concurrent.CompletableFuture[]::new)).get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            for (ProcessHandle p : processes) {
                if (p.isAlive()) LOG.warning("stray QEMU pid " + p.pid() + " has not ended " + wait.toSeconds()
                        + " s after SIGKILL; its cgroup stays until xend's next start");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Removes the taps that a start cut short by xend's death made before its status row was written. */
    private void removeStrayVifs(Path runDir) {
        Path file = runDir.resolve(LocalDomainService.VIFS_FILE);
        if (!Files.exists(file)) return;
        try {
            for (Vif v : VifsJson.read(Files.readString(file))) {
                LOG.warning("removing tap " + v.tap().orElse("-") + " of a start that xend did not finish");
                network.unplug(v);
            }
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(Level.WARNING, "cannot read " + file, e);
        }
    }

    /**
     * Starts what should run with xend: configs in the auto directory, and managed domains marked so, in the order
     * their {@code auto_start_order} gives (then by name), each {@code auto_start_delay} seconds after the one before
     * it. A domain that fails to start is logged and skipped, with no wait after it.
     */
    void autostart() {
        record Candidate(int order, String name, int delay, Runnable start) {}
        List<Candidate> candidates = new java.util.ArrayList<>();
        Path dir = home.autoDir();
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                for (Path f : files.sorted().toList()) {
                    if (!Files.isRegularFile(f)) continue;
                    try {
                        DomainRequest req = new DomainRequest(f.toString(), Files.readString(f), List.of());
                        DomainConfig config = configs.parse(req);
                        candidates.add(new Candidate(config.autoStartOrder(), f.getFileName().toString(), config.autoStartDelay(), () -> {
                            if (registry.findByName(config.name()).map(d -> d.state().active()).orElse(false)) return;
                            if (registry.findByName(config.name()).isPresent()) {
                                service.start(config.name(), false);
                            } else {
                                service.create(req, false);
                            }
                        }));
                    } catch (IOException | VmhostException e) {
                        LOG.warning("autostart of " + f + " failed: " + e.getMessage());
                    }
                }
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot read " + dir, e);
            }
        }
        for (Domain d : registry.all()) {
            if (d.managed && d.autostart() && d.state() == DomainState.SHUT_OFF && d.error().isEmpty()) {
                candidates.add(new Candidate(d.config().autoStartOrder(), d.name(), d.config().autoStartDelay(), () -> {
                    if (d.state() == DomainState.SHUT_OFF) service.start(d.uuid, false);
                }));
            }
        }
        candidates.sort(java.util.Comparator.comparingInt(Candidate::order).thenComparing(Candidate::name));
        for (int i = 0; i < candidates.size(); i++) {
            Candidate c = candidates.get(i);
            try {
                c.start().run();
            } catch (VmhostException e) {
                LOG.warning("autostart of " + c.name() + " failed: " + e.getMessage());
                continue;
            }
            if (c.delay() > 0 && i < candidates.size() - 1) {
                LOG.info("autostart: waiting " + c.delay() + " s after " + c.name() + " before the next domain");
                LocalDomainService.sleep(java.time.Duration.ofSeconds(c.delay()));
            }
        }
    }
}
