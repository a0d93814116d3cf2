package org.vmhost.domain;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import org.vmhost.config.DiskBackend;
import org.vmhost.config.DiskConfig;
import org.vmhost.config.DomainConfig;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.host.HostCommand;
import org.vmhost.qemu.QemuMigration;
import org.vmhost.qemu.QemuUser;
import org.vmhost.qemu.qmp.QmpClient;
import org.vmhost.qemu.qmp.QmpException;
import org.vmhost.relocation.Offer;
import org.vmhost.relocation.RelocationClient;
import org.vmhost.relocation.RelocationServer;
import org.vmhost.store.Store;

/**
 * Live migration, both ends (docs/migration.md). The source, inside the domain's job: offer the domain to the
 * destination (which checks it and refuses before anything stops here), copy unshared disks through NBD and
 * block mirrors, copy the memory, then tell the destination to resume it and end it here. QEMU's streams go
 * only through UNIX sockets: QEMU ↔ this xend ↔ TLS ↔ the other xend ↔ QEMU.
 *
 * <p>Exactly once: until the destination has answered {@code finish}, the domain is this host's, and any failure
 * cancels the migration, resumes the guest here and makes the destination drop its copy. If that answer is lost,
 * the destination is asked whether the guest runs there; only if it cannot say is the guest left paused here
 * (never running twice), and the error says so.
 */
final class Migration implements RelocationServer.Handler {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration MIRROR_READY = Duration.ofMinutes(30);
    private static final Duration MIGRATION_LIMIT = Duration.ofMinutes(30);

    private final LocalDomainService service;
    private final XendHome home;
    private final Store store;
    private final HostEnvironment host;
    private final DomainRegistry registry;
    private final DomainConfigs configs;
    private final Map<String, Inbound> sessions = new ConcurrentHashMap<>();
    private volatile long maxDowntimeMs = 300;

    Migration(LocalDomainService service, XendHome home, Store store, HostEnvironment host, DomainRegistry registry,
              DomainConfigs configs) {
        this.service = service;
        this.home = home;
        this.store = store;
        this.host = host;
        this.registry = registry;
        this.configs = configs;
    }

    void setMaxDowntime(long ms) {
        maxDowntimeMs = ms;
    }

    // ---- the source ----------------------------------------------------------------------------

    void migrate(String ref, MigrationRequest r) {
        Domain d = service.require(ref, "migrate");
        d.runJob("migrate", () -> {
            if (d.state() != DomainState.RUNNING && d.state() != DomainState.PAUSED)
                throw new VmhostException(ErrorCode.INVALID_STATE, "cannot migrate domain '" + d.name() + "': it is "
                        + d.state().name().toLowerCase().replace('_', ' ') + "; only a running or paused domain migrates");
            try {
                service.requireNoHotplugged(d, "migrate");
            } catch (VmhostException e) {
                throw new VmhostException(e.code(), e.getMessage() + "; it still runs here");
            }
            String where = r.host() + ":" + r.port();
            String prefix = "cannot migrate domain '" + d.name() + "' to " + where + ": ";
            RelocationClient client = new RelocationClient(r.host(), r.port(), r.token(), r.fingerprint());
            DomainConfig config = d.config();
            List<Path> probes = new ArrayList<>();
            RelocationClient.Migration m;
            try {
                m = client.offer(offer(d, config, r.copyStorage(), probes));
            } catch (VmhostException e) {
                throw new VmhostException(e.code(), prefix + e.getMessage() + "; it still runs here");
            } finally {
                for (Path p : probes) deleteQuietly(p);
            }
            move(d, r, client, m, prefix);
        });
    }

    private Offer offer(Domain d, DomainConfig config, boolean copyStorage, List<Path> probes) {
        List<Offer.Disk> disks = new ArrayList<>();
        for (DiskConfig disk : config.disks()) {
            if (disk.target().isEmpty() || disk.backend() == DiskBackend.NBD) continue;
            Path path = Path.of(disk.target().get());
            String nonce = HexFormat.of().formatHex(bytes(16));
            String probe = "";
            if (Files.isRegularFile(path)) {
                Path p = path.resolveSibling(".vmhost-probe-" + HexFormat.of().formatHex(bytes(8)));
                try {
                    Files.writeString(p, nonce);
                    probes.add(p);
                    probe = p.toString();
                } catch (IOException e) {
                    // a directory we cannot write: the destination cannot see it as shared
                }
            }
            long bytes = copyStorage && !disk.cdrom() ? virtualSize(path, disk) : 0;
            disks.add(new Offer.Disk(disk.vdev(), path.toString(), disk.format().configName(), bytes, probe, nonce));
        }
        return new Offer(d.name(), d.uuid, service.textWithLiveMacs(d), d.managed, config.memory(), host.accelerator(),
                QemuMigration.cpuModel(host.accelerator()), copyStorage, disks, host.info().hostname());
    }

    private void move(Domain d, MigrationRequest r, RelocationClient client, RelocationClient.Migration m, String prefix) {
        DomainRuntime rt = d.runtime;
        QmpClient qmp = rt.qmp();
        DomainState before = d.state();
        boolean wasRunning = before == DomainState.RUNNING;
        List<String> copy = m.copies();
        Tunnel tunnel = null;
        long downtime = -1;
        Path qemuLog = home.qemuLog(d.uuid);
        long qemuLogBefore = org.vmhost.qemu.QemuProcess.logEnd(qemuLog);
        try {
            d.moveTo(DomainState.MIGRATING); // xm list and the API show the move; other operations are refused meanwhile
            service.saveStatus(d); // a later xend, this one killed meanwhile, must not resume a guest that may run there
            tunnel = Tunnel.open(home, host.qemuUser(), client, m.session(), !copy.isEmpty());
            service.lendImagesIfReopened(d, false); // an older xend's QEMU opens them again at the end (a mirror's too)
            for (String vdev : copy) QemuMigration.mirror(qmp, tunnel.nbd, vdev);
            Instant readyBy = Instant.now().plus(MIRROR_READY);
            while (!copy.isEmpty() && !QemuMigration.mirrorsReady(qmp, copy)) {
                if (Instant.now().isAfter(readyBy)) throw new VmhostException(ErrorCode.TIMEOUT, "the disks were not copied within " + MIRROR_READY.toMinutes() + " min");
                Thread.sleep(200);
            }
            QemuMigration.configure(qmp, maxDowntimeMs, !copy.isEmpty());
            if (!r.live() && wasRunning) qmp.stop();
            QemuMigration.start(qmp, tunnel.migration);
            Instant doneBy = Instant.now().plus(MIGRATION_LIMIT);
            while (true) {
                QemuMigration.Status s = QemuMigration.status(qmp);
                if (s.status().equals("pre-switchover")) {
                    QemuMigration.endMirrors(qmp, copy, Duration.ofSeconds(60));
                    QemuMigration.proceed(qmp);
                } else if (s.status().equals("completed")) {
                    downtime = s.downtimeMs();
                    break;
                } else if (s.done()) {
                    throw new VmhostException(ErrorCode.QEMU_FAILED, "QEMU's migration " + s.status()
                            + (s.error().isEmpty() ? "" : ": " + s.error()));
                }
                if (Instant.now().isAfter(doneBy)) throw new VmhostException(ErrorCode.TIMEOUT, "the memory was not copied within " + MIGRATION_LIMIT.toMinutes() + " min");
                Thread.sleep(100);
            }
            Faults.pause(Faults.AFTER_MIGRATION_MEMORY);
            failHere("afterMemory");
        } catch (QmpException | RuntimeException | InterruptedException e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            stayHere(d, qmp, copy, before);
            m.close();
            if (tunnel != null) tunnel.close();
            throw new VmhostException(e instanceof VmhostException v ? v.code() : ErrorCode.QEMU_FAILED,
                    prefix + LocalDomainService.describe(e) + LocalDomainService.qemuSaid(e, qemuLog, qemuLogBefore)
                            + "; it still runs here");
        }
        boolean there;
        try {
            m.finish(wasRunning);
            there = true;
        } catch (VmhostException e) {
            LocalDomainService.LOG.log(Level.WARNING, "domain '" + d.name() + "': no answer to finish from " + client.host(), e);
            try {
                there = client.runs(d.uuid);
            } catch (VmhostException lost) {
                m.close();
                tunnel.close();
                service.lendImagesIfReopened(d, false); // so that an unpause here can take the images up again
                d.moveTo(DomainState.PAUSED);
                service.saveStatus(d);
                service.event(d, "migrate-failed", "migration to " + client.host() + " ended without an answer; the domain is paused here");
                throw new VmhostException(ErrorCode.HOST_FAILED, prefix + "the destination did not answer at the end ("
                        + e.getMessage() + "); the domain is kept paused here: if it runs on " + client.host()
                        + ", destroy it here, otherwise unpause it");
            }
        } finally {
            m.close();
        }
        tunnel.close();
        if (!there) {
            stayHere(d, qmp, List.of(), before);
            throw new VmhostException(ErrorCode.HOST_FAILED, prefix + "the destination did not take it; it still runs here");
        }
        service.event(d, "migrated", "migrated to " + client.host() + (r.live() ? " (live" : " (paused")
                + (downtime >= 0 ? ", downtime " + downtime + " ms, limit " + maxDowntimeMs + " ms)" : ")"));
        service.teardown(d, "migrated", "migrated to " + client.host());
        if (d.managed) {
            store.deleteDefinition(d.uuid);
            registry.remove(d);
        }
    }

    /** Undoes a migration on the source: cancel it, end the mirrors, resume the guest if it ran. */
    private void stayHere(Domain d, QmpClient qmp, List<String> copy, DomainState before) {
        boolean wasRunning = before == DomainState.RUNNING;
        try {
            QemuMigration.cancel(qmp);
        } catch (QmpException | InterruptedException e) {
            // none running
        }
        try {
            Instant by = Instant.now().plusSeconds(10);
            while (Instant.now().isBefore(by) && !QemuMigration.status(qmp).done() && !QemuMigration.status(qmp).status().equals("none"))
                Thread.sleep(100);
            if (!copy.isEmpty()) QemuMigration.endMirrors(qmp, copy, Duration.ofSeconds(30));
            if (wasRunning && !qmp.queryStatus().running()) {
                service.lendImagesIfReopened(d, false);
                qmp.cont();
            }
        } catch (QmpException | InterruptedException | RuntimeException e) {
            LocalDomainService.LOG.log(Level.SEVERE, "domain '" + d.name() + "': cannot resume after a failed migration", e);
        }
        if (d.state() == DomainState.MIGRATING) {
            d.moveTo(before);
            service.saveStatus(d);
        }
        service.event(d, "migrate-failed", "migration failed; the domain stays on this host");
    }

    /** A failure injected by the tests at a named step ({@code -Dvmhost.fault.migrateFailAt=STEP}); never set in production. */
    private static void failHere(String step) {
        if (step.equals(System.getProperty("vmhost.fault.migrateFailAt")))
            throw new VmhostException(ErrorCode.INTERNAL, "injected failure at " + step);
    }

    // ---- the destination -----------------------------------------------------------------------

    @Override
    public RelocationServer.Incoming prepare(Offer o) {
        service.awaitRecovery("receiving domain '" + o.name() + "'"); // before the sweep of leftovers could take its files
        String from = " (migrating from " + o.source() + ")";
        // The fault properties stand in for another host's hardware in the tests; a production xend never sets them.
        String accelerator = System.getProperty("vmhost.fault.accelerator", host.accelerator());
        if (!o.accelerator().equals(accelerator))
            throw new VmhostException(ErrorCode.INVALID_STATE, "domain '" + o.name() + "' runs under " + o.accelerator()
                    + " and this host uses " + accelerator + ": a guest cannot change accelerator kind");
        String cpu = System.getProperty("vmhost.fault.cpuModel", QemuMigration.cpuModel(host.accelerator()));
        if (!o.cpuModel().equals(cpu))
            throw new VmhostException(ErrorCode.INVALID_STATE, "domain '" + o.name() + "' has CPU model " + o.cpuModel()
                    + ", which this host does not offer (its model: " + cpu + ")");
        registry.findByName(o.name()).ifPresent(x -> {
            throw new VmhostException(ErrorCode.DOMAIN_EXISTS, "a domain named '" + o.name() + "' exists on this host");
        });
        registry.findByUuid(o.uuid()).ifPresent(x -> {
            throw new VmhostException(ErrorCode.DOMAIN_EXISTS, "a domain with UUID " + o.uuid() + " exists on this host ('" + x.name() + "')");
        });
        DomainRequest request = new DomainRequest(o.name() + from, o.configText(), List.of());
        DomainConfig config = configs.parse(request);
        if (!config.name().equals(o.name()) || !config.uuid().map(Object::toString).orElse(o.uuid()).equals(o.uuid()))
            throw new VmhostException(ErrorCode.BAD_REQUEST, "the offer's name or UUID differs from its configuration");
        Domain d = new Domain(o.uuid(), o.name(), config, configs.canonicalText(request), request.sourceName(), o.managed(), false);
        service.memoryReserve().check(d, registry.all(), host.info().totalMemory());
        List<String> copy = new ArrayList<>();
        List<Offer.Disk> toMake = new ArrayList<>();
        for (Offer.Disk disk : o.disks()) {
            Path path = Path.of(disk.path());
            if (config.disks().stream().noneMatch(c -> c.vdev().equals(disk.vdev()) && c.target().equals(Optional.of(disk.path()))))
                throw new VmhostException(ErrorCode.BAD_REQUEST, "the offer's disk " + disk.vdev() + " is not in its configuration");
            boolean shared = !disk.probe().isEmpty() && disk.nonce().equals(readQuietly(Path.of(disk.probe())));
            if (shared || (disk.probe().isEmpty() && Files.exists(path) && !Files.isRegularFile(path))) continue; // the same storage (or a device)
            if (!o.copyStorage()) {
                throw new VmhostException(ErrorCode.NO_SUCH_DEVICE, Files.exists(path)
                        ? "disk " + disk.vdev() + " (" + path + ") is not on storage shared with this host; copy it with --copy-storage"
                        : "disk " + disk.vdev() + " (" + path + ") does not exist on this host; copy it with --copy-storage, or share it");
            }
            if (Files.exists(path))
                throw new VmhostException(ErrorCode.RESOURCE_BUSY, "disk " + disk.vdev() + ": " + path
                        + " exists on this host and is another file; remove it, or share the storage");
            if (!Files.isDirectory(path.getParent()))
                throw new VmhostException(ErrorCode.NO_SUCH_DEVICE, "disk " + disk.vdev() + ": the directory " + path.getParent()
                        + " does not exist on this host");
            if (disk.bytes() <= 0) throw new VmhostException(ErrorCode.BAD_REQUEST, "disk " + disk.vdev() + " has no size to copy");
            copy.add(disk.vdev());
            toMake.add(disk);
        }
        registry.add(d);
        Inbound in = new Inbound(d, o.source(), copy);
        try {
            d.runJob("migrate in", () -> {
                store.saveDefinition(service.definition(d)); // a transient domain has its row too, while it runs
                for (Offer.Disk disk : toMake) {
                    HostCommand.of("qemu-img", "create", "-q", "-f", disk.format(), "--", disk.path(), Long.toString(disk.bytes()))
                            .timeout(Duration.ofSeconds(60)).run();
                    in.made.add(Path.of(disk.path()));
                }
                configs.requireFilesExist(config); // the kernel and ramdisk too, named if missing
                if (!copy.isEmpty()) in.nbdDir = qemuDir(home, host.qemuUser());
                service.launchIncoming(d, home.domainRunDir(d.uuid).resolve("incoming.sock"));
                // QEMU takes its images up again when the state has arrived (or an export asks), no longer root: it
                // keeps the descriptors it opened as root, so nothing is lent to it.
                if (!copy.isEmpty()) {
                    try {
                        QemuMigration.exportDisks(d.runtime.qmp(), in.nbdDir.resolve("n.sock"), copy);
                    } catch (QmpException | InterruptedException e) {
                        throw new VmhostException(ErrorCode.QEMU_FAILED, "cannot export the disks to copy: " + e.getMessage(), e);
                    }
                }
                d.moveTo(DomainState.MIGRATING); // until finish or abort: shown so, and no other operation meanwhile
                // A later xend (this one killed meanwhile) then knows this QEMU for a copy never resumed here.
                markIncoming(d, true);
                service.saveStatus(d);
                Faults.pause(Faults.INCOMING_PREPARED);
            });
        } catch (RuntimeException e) {
            in.abort();
            throw e;
        }
        sessions.put(in.session, in);
        service.event(d, "migrating-in", "taking domain '" + d.name() + "' in from " + o.source()
                + (copy.isEmpty() ? "" : ", copying " + String.join(", ", copy)));
        return in;
    }

    @Override
    public Path stream(String session, String channel) {
        Inbound in = sessions.get(session);
        if (in == null) throw new VmhostException(ErrorCode.BAD_REQUEST, "no such migration session");
        return switch (channel) {
            case "migration" -> home.domainRunDir(in.d.uuid).resolve("incoming.sock");
            case "nbd" -> {
                if (in.nbdDir == null) throw new VmhostException(ErrorCode.BAD_REQUEST, "this migration copies no disk");
                yield in.nbdDir.resolve("n.sock");
            }
            default -> throw new VmhostException(ErrorCode.BAD_REQUEST, "no such channel");
        };
    }

    @Override
    public boolean runs(String uuid) {
        return registry.findByUuid(uuid).map(d -> d.state().active() && !sessions.containsKey(sessionOf(d))).orElse(false);
    }

    private String sessionOf(Domain d) {
        for (Inbound in : sessions.values()) if (in.d == d) return in.session;
        return "";
    }

    /** A domain being taken in. */
    private final class Inbound implements RelocationServer.Incoming {
        final Domain d;
        final String source;
        final List<String> copy;
        final String session = HexFormat.of().formatHex(bytes(16));
        final List<Path> made = new ArrayList<>();
        volatile Path nbdDir;

        Inbound(Domain d, String source, List<String> copy) {
            this.d = d;
            this.source = source;
            this.copy = copy;
        }

        @Override
        public String session() {
            return session;
        }

        @Override
        public List<String> copies() {
            return copy;
        }

        @Override
        public void finish(boolean resume) {
            d.awaitJob("migrate in", () -> {
                QmpClient qmp = d.runtime.qmp();
                try {
                    Instant by = Instant.now().plusSeconds(30);
                    while (QemuMigration.incomingPending(qmp)) {
                        if (Instant.now().isAfter(by)) throw new VmhostException(ErrorCode.TIMEOUT, "the domain's state did not arrive");
                        Thread.sleep(50);
                    }
                    if (!copy.isEmpty()) QemuMigration.stopExports(qmp);
                    MemorySetting.adoptLoaded(d, qmp);
                    Faults.pause(Faults.BEFORE_INCOMING_FINISH);
                    if (resume) {
                        qmp.cont();
                        d.moveTo(DomainState.RUNNING);
                    } else {
                        d.moveTo(DomainState.PAUSED);
                    }
                    markIncoming(d, false);
                } catch (QmpException e) {
                    throw new VmhostException(ErrorCode.QEMU_FAILED, "cannot resume domain '" + d.name() + "': " + e.getMessage(), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new VmhostException(ErrorCode.INTERNAL, "interrupted");
                }
                service.saveStatus(d);
                sessions.remove(session);
                service.event(d, "migrated", "migrated in from " + source + (resume ? "" : "; paused, as it was there"));
            });
            if (nbdDir != null) LocalDomainService.deleteTree(nbdDir);
        }

        @Override
        public void abort() {
            sessions.remove(session);
            d.awaitJob("abort migration", () -> {
                if (d.state() != DomainState.SHUT_OFF) service.teardown(d, "migrate-aborted", "the migration from " + source + " did not complete");
                store.deleteDefinition(d.uuid);
                registry.remove(d);
            });
            for (Path p : made) deleteQuietly(p);
            if (nbdDir != null) LocalDomainService.deleteTree(nbdDir);
        }
    }

    /** The file that tells a later xend a domain's QEMU was taking it in: {@code incoming} in its run directory. */
    static Path incomingMark(XendHome home, String uuid) {
        return home.domainRunDir(uuid).resolve("incoming");
    }

    private void markIncoming(Domain d, boolean on) {
        Path mark = incomingMark(home, d.uuid);
        try {
            if (on) Files.writeString(mark, "");
            else Files.deleteIfExists(mark);
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot " + (on ? "write " : "remove ") + mark + ": " + e.getMessage(), e);
        }
    }

    /**
     * At xend's start: a source whose migration the last xend did not see through, its guest's state already sent. It
     * may run on the destination now, so it is not resumed here (never twice): kept paused, the user told what to do.
     */
    void keepAfterUnfinishedMigration(Domain d) {
        service.lendImagesIfReopened(d, false); // an unpause takes the images up again, as after a failed migration
        d.moveTo(DomainState.PAUSED);
        service.event(d, "migrate-failed", "a migration was cut short by xend's end after the guest's state was sent; "
                + "it is kept paused here: if it runs on the destination, destroy it here, otherwise unpause it");
    }

    // ---- the sockets QEMU reaches after it has dropped root ----------------------------------------

    /** At xend's start no migration runs: the socket directories a killed xend left (mig-*) go. */
    void sweepLeftovers() {
        try (var dirs = Files.newDirectoryStream(home.root(), "mig-*")) {
            for (Path dir : dirs) {
                if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) LocalDomainService.deleteTree(dir);
            }
        } catch (IOException e) {
            LocalDomainService.LOG.log(Level.WARNING, "cannot sweep migration leftovers in " + home.root(), e);
        }
    }

    /**
     * A directory under xend's home (which QEMU's user may search, not list) with an unguessable name, owned by
     * QEMU's user: QEMU, no longer root, can make and reach sockets there; no other local user can.
     */
    static Path qemuDir(XendHome home, Optional<QemuUser> user) {
        try {
            Path dir = Files.createDirectory(home.root().resolve("mig-" + HexFormat.of().formatHex(bytes(8))),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            if (user.isPresent()) {
                Files.setAttribute(dir, "unix:gid", user.get().gid());
                Files.setAttribute(dir, "unix:uid", user.get().uid());
            }
            return dir;
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot make a directory for the migration's sockets: " + e.getMessage(), e);
        }
    }

    /**
     * The source's end of the streams: UNIX sockets the source QEMU connects to (one migration stream, one NBD
     * connection per copied disk), each carried to the destination over its own TLS connection. Only QEMU's
     * user (or root) may connect; the peer is checked too.
     */
    static final class Tunnel implements AutoCloseable {
        final Path dir;
        final Path migration;
        final Path nbd;
        private final List<ServerSocketChannel> listeners = new ArrayList<>();

        private Tunnel(Path dir) {
            this.dir = dir;
            this.migration = dir.resolve("m.sock");
            this.nbd = dir.resolve("n.sock");
        }

        static Tunnel open(XendHome home, Optional<QemuUser> user, RelocationClient client, String session, boolean disks) {
            Tunnel t = new Tunnel(qemuDir(home, user));
            try {
                t.listen(t.migration, user, client, session, "migration", true);
                if (disks) t.listen(t.nbd, user, client, session, "nbd", false);
                return t;
            } catch (IOException | RuntimeException e) {
                t.close();
                throw new VmhostException(ErrorCode.HOST_FAILED, "cannot open the migration's sockets: " + e.getMessage(), e);
            }
        }

        private void listen(Path socket, Optional<QemuUser> user, RelocationClient client, String session, String channel,
                            boolean once) throws IOException {
            ServerSocketChannel l = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            listeners.add(l);
            l.bind(UnixDomainSocketAddress.of(socket));
            if (user.isPresent()) Files.setAttribute(socket, "unix:uid", user.get().uid());
            Thread.ofVirtual().name("migration-" + channel).start(() -> {
                while (l.isOpen()) {
                    SocketChannel c;
                    try {
                        c = l.accept();
                    } catch (IOException e) {
                        return;
                    }
                    if (!fromQemu(c, user)) {
                        closeQuietly(c);
                        continue;
                    }
                    if (once) closeQuietly(l);
                    Thread.ofVirtual().start(() -> {
                        try {
                            client.stream(session, channel, c);
                        } catch (RuntimeException e) {
                            LocalDomainService.LOG.log(Level.WARNING, "migration " + channel + " stream failed", e);
                        }
                    });
                }
            });
        }

        private static boolean fromQemu(SocketChannel c, Optional<QemuUser> user) {
            try {
                String peer = c.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED).user().getName();
                return user.map(u -> u.name().equals(peer)).orElse(true) || peer.equals("root");
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }

        @Override
        public void close() {
            for (ServerSocketChannel l : listeners) closeQuietly(l);
            LocalDomainService.deleteTree(dir);
        }
    }

    // ---- small things --------------------------------------------------------------------------

    private static long virtualSize(Path path, DiskConfig disk) {
        String out = HostCommand.of("qemu-img", "info", "-U", "--output=json", "-f", disk.format().configName(), "--", path.toString())
                .timeout(Duration.ofSeconds(30)).run();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"virtual-size\":\\s*([0-9]+)").matcher(out);
        if (!m.find()) throw new VmhostException(ErrorCode.HOST_FAILED, "cannot read the size of " + path);
        return Long.parseLong(m.group(1));
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LocalDomainService.LOG.log(Level.WARNING, "cannot remove " + p, e);
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
