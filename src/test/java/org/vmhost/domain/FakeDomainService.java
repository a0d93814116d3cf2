package org.vmhost.domain;

import org.vmhost.event.DomainEvent;
import org.vmhost.error.VmhostException;
import org.vmhost.error.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmhost.config.DomainType;
import org.vmhost.domain.Transitions.Operation;
import org.vmhost.config.VifConfig;
import org.vmhost.network.NetworkConfig;
import org.vmhost.network.NetworkInfo;
import org.vmhost.network.Vif;

/**
 * A {@link DomainService} held in memory, for testing the front ends (the API, xm) without QEMU. It starts
 * with Domain-0, moves domains through their states as xend does, records every call, and can be scripted:
 *
 * <pre>{@code
 * FakeDomainService fake = new FakeDomainService()
 *         .with(FakeDomainService.domain("web1", DomainState.RUNNING))
 *         .failNext("pause", new VmhostException(ErrorCode.QEMU_FAILED, "QMP 'stop' failed"));
 * ...
 * assertThat(fake.calls()).containsExactly("pause web1");
 * }</pre>
 *
 * <p>Which operation each state allows, and which state may follow which, come from the real table
 * ({@link Transitions}), with the real wording of its refusals; only the effects are faked.
 *
 * <p>A configuration's text needs only {@code name = "..."}; {@code memory}, {@code vcpus} and {@code type}
 * are read when present, and {@code key=value} overrides win over the text.
 */
public final class FakeDomainService implements DomainService {
    public static final String DOMAIN0 = "Domain-0";
    private static final Clock FIXED = Clock.fixed(Instant.parse("2024-01-01T00:00:00Z"), ZoneOffset.UTC);

    private final Map<String, DomainInfo> domains = new LinkedHashMap<>();
    private final Map<String, RuntimeException> failures = new HashMap<>();
    private final List<String> calls = new ArrayList<>();
    private final List<DomainEvent> events = new ArrayList<>();
    private final Map<String, NetworkInfo> networks = new LinkedHashMap<>();
    private final Map<String, List<Vif>> vifs = new HashMap<>();
    private HostInfo host = new HostInfo("fakehost", "6.1.0-test", "x86_64", 2, 2400.0, 24_000, 20_000, "tcg",
            "no usable /dev/kvm", "QEMU emulator version 9.2.0", "vmhost 0.1.0", 3600.5, "bridge xenbr0",
            "QEMU runs as vmhost-qemu (uid 995) under its seccomp filter");
    private int nextDomid = 1;
    /** Where console endpoints point: {@code DIR/<uuid>/xmconsole.sock} and {@code xmvnc.sock}. */
    private java.nio.file.Path consoleDir = java.nio.file.Path.of("/run/vmhost");

    public FakeDomainService() {
        domains.put(DOMAIN0, new DomainInfo(DOMAIN0, OptionalInt.of(0), uuid(DOMAIN0), DomainType.PV,
                DomainState.RUNNING, 1024, 1024, 2, 12.5, false, false, "", 3600.0, Optional.empty()));
    }

    /** A running or defined domain to start from; running ones get the next domain id. */
    public synchronized FakeDomainService with(DomainInfo domain) {
        DomainInfo d = domain.state().active() && domain.domid().isEmpty() ? withDomid(domain, nextDomid++) : domain;
        domains.put(d.name(), d);
        return this;
    }

    /** Points console endpoints into {@code dir}, where a test may serve them. */
    public synchronized FakeDomainService withConsoleDir(java.nio.file.Path dir) {
        consoleDir = dir;
        return this;
    }

    /** An hvm domain of 512 MiB and one vCPU in the given state, managed unless it runs. */
    public static DomainInfo domain(String name, DomainState state) {
        return new DomainInfo(name, OptionalInt.empty(), uuid(name), DomainType.HVM, state, 512, 512, 1, 0.0,
                state == DomainState.SHUT_OFF, false, "name = \"" + name + "\"\nmemory = 512\n", 0.0, Optional.empty());
    }

    /** Makes the next call of {@code method} (the interface's method name) throw {@code failure}. */
    public synchronized FakeDomainService failNext(String method, RuntimeException failure) {
        failures.put(method, failure);
        return this;
    }

    public synchronized FakeDomainService host(HostInfo info) {
        host = Objects.requireNonNull(info);
        return this;
    }

    /** Every call so far, as {@code "method arg..."}: {@code "start web1 paused=false"}. */
    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    // --- DomainService ---

    @Override
    public synchronized List<DomainInfo> list() {
        enter("list");
        return List.copyOf(domains.values());
    }

    @Override
    public synchronized DomainInfo get(String ref) {
        enter("get " + ref);
        return require(ref);
    }

    @Override
    public synchronized DomainInfo create(DomainRequest request, boolean paused) {
        enter("create " + request.sourceName() + " paused=" + paused);
        DomainInfo d = parse(request, false);
        d = withDomid(move(d, DomainState.STARTING, paused ? DomainState.PAUSED : DomainState.RUNNING), nextDomid++);
        domains.put(d.name(), d);
        log(d.name(), "created", "domain '" + d.name() + "' created from " + request.sourceName());
        return d;
    }

    @Override
    public synchronized DomainInfo define(DomainRequest request) {
        enter("define " + request.sourceName());
        DomainInfo d = parse(request, true);
        domains.put(d.name(), d);
        log(d.name(), "defined", "domain '" + d.name() + "' defined");
        return d;
    }

    @Override
    public synchronized DomainInfo start(String ref, boolean paused) {
        enter("start " + ref + " paused=" + paused);
        DomainInfo d = require(ref, Operation.START);
        return replace(withDomid(move(d, DomainState.STARTING, paused ? DomainState.PAUSED : DomainState.RUNNING), nextDomid++),
                "started");
    }

    @Override
    public synchronized void delete(String ref, boolean withImages) {
        if (withImages) throw new VmhostException(ErrorCode.INTERNAL, "the fake keeps no images");
        delete(ref);
    }

    @Override
    public synchronized ConfigTextInfo configText(String ref) {
        enter("configText " + ref);
        DomainInfo d = get(ref);
        return new ConfigTextInfo(d.name(), d.configText(), false, "");
    }

    @Override
    public synchronized ConfigTextInfo redefine(String ref, DomainRequest request) {
        throw new VmhostException(ErrorCode.INTERNAL, "the fake does not edit definitions");
    }

    @Override
    public synchronized List<org.vmhost.storage.PoolInfo> listPools() {
        enter("listPools");
        return List.of();
    }

    @Override
    public synchronized void delete(String ref) {
        enter("delete " + ref);
        DomainInfo d = require(ref, Operation.DELETE);
        domains.remove(d.name());
        log(d.name(), "deleted", "domain '" + d.name() + "' deleted");
    }

    @Override
    public synchronized DomainInfo shutdown(String ref, Duration wait) {
        enter("shutdown " + ref + " wait=" + wait);
        // The fake guest obeys the power button at once.
        return stop(move(require(ref, Operation.SHUTDOWN), DomainState.SHUTTING_DOWN), "shutdown");
    }

    @Override
    public synchronized DomainInfo destroy(String ref) {
        enter("destroy " + ref);
        return stop(move(require(ref, Operation.DESTROY), DomainState.DYING), "destroyed");
    }

    @Override
    public synchronized DomainInfo reboot(String ref, Duration wait) {
        enter("reboot " + ref + " wait=" + wait);
        return replace(move(require(ref, Operation.REBOOT), DomainState.SHUTTING_DOWN, DomainState.RUNNING), "rebooted");
    }

    @Override
    public synchronized DomainInfo reset(String ref) {
        enter("reset " + ref);
        DomainInfo d = require(ref, Operation.RESET);
        // As xend does: a reset resumes a guest that had shut down or crashed, and leaves a paused one paused.
        boolean resume = d.state() == DomainState.SHUTTING_DOWN || d.state() == DomainState.CRASHED;
        return replace(resume ? move(d, DomainState.RUNNING) : d, "reset");
    }

    @Override
    public synchronized DomainInfo pause(String ref) {
        enter("pause " + ref);
        return replace(move(require(ref, Operation.PAUSE), DomainState.PAUSED), "paused");
    }

    @Override
    public synchronized DomainInfo unpause(String ref) {
        enter("unpause " + ref);
        return replace(move(require(ref, Operation.UNPAUSE), DomainState.RUNNING), "unpaused");
    }

    @Override
    public synchronized DomainInfo rename(String ref, String newName) {
        enter("rename " + ref + " " + newName);
        DomainInfo d = require(ref, Operation.RENAME);
        if (domains.containsKey(newName))
            throw new VmhostException(ErrorCode.DOMAIN_EXISTS, "domain '" + newName + "' already exists");
        domains.remove(d.name());
        DomainInfo renamed = new DomainInfo(newName, d.domid(), d.uuid(), d.type(), d.state(), d.memory(), d.maxmem(),
                d.vcpus(), d.cpuTime(), d.managed(), d.autostart(), d.configText(), d.uptime(), Optional.empty());
        domains.put(newName, renamed);
        log(newName, "renamed", "domain '" + d.name() + "' renamed to '" + newName + "'");
        return renamed;
    }

    /** Migration needs a second host: the fake has none, and says so (after the usual checks). */
    @Override
    public synchronized void migrate(String ref, MigrationRequest request) {
        enter("migrate " + ref + " " + request.host());
        require(ref, Operation.PAUSE);
        throw new VmhostException(ErrorCode.HOST_FAILED, "cannot reach the relocation server on " + request.host() + ":" + request.port());
    }

    @Override
    public synchronized ConsoleEndpoint console(String ref) {
        enter("console " + ref);
        DomainInfo d = require(ref, Operation.CONSOLE);
        return new ConsoleEndpoint(consoleDir.resolve(d.uuid() + "/xmconsole.sock").toString());
    }

    @Override
    public synchronized ConsoleEndpoint vnc(String ref) {
        enter("vnc " + ref);
        DomainInfo d = require(ref, Operation.CONSOLE);
        return new ConsoleEndpoint(consoleDir.resolve(d.uuid() + "/xmvnc.sock").toString());
    }

    @Override
    public synchronized HostInfo hostInfo() {
        enter("hostInfo");
        return host;
    }

    @Override
    public synchronized List<DomainEvent> events(int limit) {
        enter("events " + limit);
        return List.copyOf(events.subList(Math.max(0, events.size() - limit), events.size()));
    }

    @Override
    public synchronized List<String> dmesg(int lines) {
        enter("dmesg " + lines);
        List<String> log = List.of("xend starting", "accelerator: tcg (fake)");
        return List.copyOf(log.subList(Math.max(0, log.size() - lines), log.size()));
    }

    // --- virtual disks: kept in memory, read from no host file ---

    private final Map<String, List<BlockDeviceInfo>> disks = new HashMap<>();

    @Override
    public synchronized List<BlockDeviceInfo> listBlockDevices(String ref) {
        enter("listBlockDevices " + ref);
        return List.copyOf(disks.getOrDefault(require(ref).name(), List.of()));
    }

    @Override
    public synchronized BlockDeviceInfo attachBlockDevice(String ref, BlockDeviceRequest request) {
        enter("attachBlockDevice " + ref + " " + request.backend() + " " + request.vdev() + " " + request.mode());
        DomainInfo d = require(ref);
        List<BlockDeviceInfo> list = new ArrayList<>(disks.getOrDefault(d.name(), List.of()));
        int devid = org.vmhost.config.DiskConfig.xenDeviceNumber(request.vdev().replaceFirst(":cdrom$", ""));
        if (list.stream().anyMatch(b -> b.devid() == devid)) {
            throw new VmhostException(ErrorCode.RESOURCE_BUSY, "domain '" + d.name() + "' already has a disk " + request.vdev());
        }
        BlockDeviceInfo b = new BlockDeviceInfo(devid, request.vdev(), request.backend(), request.mode(), "disk",
                d.state().active() ? BlockDeviceInfo.CONNECTED : BlockDeviceInfo.INITIALISING,
                "/local/domain/0/backend/vbd/" + d.domid().orElse(0) + "/" + devid);
        list.add(b);
        disks.put(d.name(), list);
        return b;
    }

    @Override
    public synchronized void detachBlockDevice(String ref, String device, boolean force) {
        enter("detachBlockDevice " + ref + " " + device + " force=" + force);
        DomainInfo d = require(ref);
        List<BlockDeviceInfo> list = new ArrayList<>(disks.getOrDefault(d.name(), List.of()));
        if (!list.removeIf(b -> b.vdev().equals(device) || Integer.toString(b.devid()).equals(device))) {
            throw new VmhostException(ErrorCode.NO_SUCH_DEVICE, "domain '" + d.name() + "' has no disk '" + device + "'");
        }
        disks.put(d.name(), list);
    }

    @Override
    public synchronized BlockDeviceInfo configureBlockDevice(String ref, BlockDeviceRequest request) {
        enter("configureBlockDevice " + ref + " " + request.backend() + " " + request.vdev() + " " + request.mode());
        DomainInfo d = require(ref);
        List<BlockDeviceInfo> list = new ArrayList<>(disks.getOrDefault(d.name(), List.of()));
        for (int i = 0; i < list.size(); i++) {
            BlockDeviceInfo b = list.get(i);
            if (b.vdev().equals(request.vdev())) {
                BlockDeviceInfo changed = new BlockDeviceInfo(b.devid(), b.vdev(), request.backend(), "r", "cdrom", b.state(),
                        b.backendPath());
                list.set(i, changed);
                disks.put(d.name(), list);
                return changed;
            }
        }
        throw new VmhostException(ErrorCode.NO_SUCH_DEVICE, "domain '" + d.name() + "' has no disk '" + request.vdev() + "'");
    }

    // --- images: kept in memory, no qemu-img ---

    private final Map<String, org.vmhost.storage.ImageInfo> images = new LinkedHashMap<>();

    private static String poolDir(String pool) {
        return pool.isEmpty() ? "/var/lib/vmhost/images" : pool;
    }

    @Override
    public synchronized List<org.vmhost.storage.ImageInfo> listImages(String pool) {
        enter("listImages " + pool);
        return images.values().stream().filter(i -> i.path().startsWith(poolDir(pool) + "/")).toList();
    }

    @Override
    public synchronized org.vmhost.storage.ImageInfo imageInfo(String pool, String name) {
        enter("imageInfo " + pool + " " + name);
        org.vmhost.storage.ImageInfo i = images.get(poolDir(pool) + "/" + name);
        if (i == null) throw new VmhostException(ErrorCode.NO_SUCH_DEVICE, "image " + name + " does not exist in " + poolDir(pool));
        return i;
    }

    @Override
    public synchronized org.vmhost.storage.ImageInfo createImage(String pool, String name, String format, long bytes) {
        enter("createImage " + pool + " " + name + " " + format + " " + bytes);
        String path = poolDir(pool) + "/" + name;
        if (images.containsKey(path)) throw new VmhostException(ErrorCode.RESOURCE_BUSY, "image " + name + " already exists");
        org.vmhost.storage.ImageInfo i = new org.vmhost.storage.ImageInfo(name, path, format, bytes, 0, java.util.Optional.empty());
        images.put(path, i);
        return i;
    }

    @Override
    public synchronized org.vmhost.storage.ImageInfo cloneImage(String pool, String source, String name, boolean linked) {
        enter("cloneImage " + pool + " " + source + " " + name + " linked=" + linked);
        org.vmhost.storage.ImageInfo src = imageInfo(pool, source);
        String path = poolDir(pool) + "/" + name;
        org.vmhost.storage.ImageInfo i = new org.vmhost.storage.ImageInfo(name, path, linked ? "qcow2" : src.format(),
                src.virtualSize(), 0, linked ? java.util.Optional.of(src.path()) : java.util.Optional.empty());
        images.put(path, i);
        return i;
    }

    @Override
    public synchronized org.vmhost.storage.ImageInfo importImage(String pool, String name, String format) {
        enter("importImage " + pool + " " + name + " " + format);
        org.vmhost.storage.ImageInfo i = imageInfo(pool, name);
        org.vmhost.storage.ImageInfo r = new org.vmhost.storage.ImageInfo(name, i.path(), format, i.virtualSize(), i.actualSize(),
                i.backingFile());
        images.put(i.path(), r);
        return r;
    }

    @Override
    public synchronized org.vmhost.storage.ImageInfo resizeImage(String pool, String name, long bytes, boolean shrink) {
        enter("resizeImage " + pool + " " + name + " " + bytes + " shrink=" + shrink);
        org.vmhost.storage.ImageInfo i = imageInfo(pool, name);
        org.vmhost.storage.ImageInfo r = new org.vmhost.storage.ImageInfo(name, i.path(), i.format(), bytes, i.actualSize(),
                i.backingFile());
        images.put(i.path(), r);
        return r;
    }

    @Override
    public synchronized void deleteImage(String pool, String name) {
        enter("deleteImage " + pool + " " + name);
        images.remove(imageInfo(pool, name).path());
    }

    // --- statistics: running domains with zero figures; one series, cpu, with no points yet ---

    @Override
    public synchronized org.vmhost.monitor.StatsReport stats() {
        enter("stats");
        List<org.vmhost.monitor.DomainStats> running = new java.util.ArrayList<>();
        for (DomainInfo d : list()) {
            if (d.domid().isEmpty() || d.domid().getAsInt() == 0) continue;
            running.add(new org.vmhost.monitor.DomainStats(d.name(), d.domid().getAsInt(), String.valueOf(d.state().letter()),
                    d.cpuTime(), 0, d.memory() * 1024L, d.maxmem() * 1024L, d.vcpus(), 0, 0, 0, 0, 0, 0, 0, 0, List.of(), List.of()));
        }
        return new org.vmhost.monitor.StatsReport(java.time.Instant.now(),
                new org.vmhost.monitor.HostStats(host.cpus(), 0, host.totalMemory() * 1024, host.freeMemory() * 1024), running);
    }

    @Override
    public synchronized org.vmhost.monitor.SeriesHistory history(String ref, String metric, java.time.Instant from,
                                                                 java.time.Instant to, String resolution) {
        enter("history " + ref + " " + metric);
        get(ref);
        if (!"cpu".equals(metric)) throw new VmhostException(ErrorCode.NO_SUCH_DEVICE, ref + " has no series '" + metric + "'");
        return new org.vmhost.monitor.SeriesHistory(metric, "5s", 5, List.of());
    }

    @Override
    public synchronized List<org.vmhost.resources.VcpuInfo> listVcpus(String ref) {
        enter("listVcpus " + ref);
        List<org.vmhost.resources.VcpuInfo> out = new java.util.ArrayList<>();
        for (DomainInfo d : ref.isEmpty() ? list() : List.of(get(ref))) {
            if (d.domid().isEmpty() || d.domid().getAsInt() == 0) continue;
            for (int i = 0; i < d.vcpus(); i++)
                out.add(new org.vmhost.resources.VcpuInfo(d.name(), d.domid().getAsInt(), i, i, "-b-", 0, "any cpu"));
        }
        return out;
    }

    @Override
    public synchronized void pinVcpu(String ref, String vcpu, String cpus) {
        enter("pinVcpu " + ref + " " + vcpu + " " + cpus);
        get(ref);
    }

    @Override
    public synchronized org.vmhost.resources.SchedulerInfo schedCredit(String ref) {
        enter("schedCredit " + ref);
        List<org.vmhost.resources.SchedCredit> out = new java.util.ArrayList<>();
        for (DomainInfo d : ref.isEmpty() ? list() : List.of(get(ref)))
            if (d.domid().isPresent() && d.domid().getAsInt() != 0)
                out.add(new org.vmhost.resources.SchedCredit(d.name(), d.domid().getAsInt(), 256, 0));
        return new org.vmhost.resources.SchedulerInfo("cgroup v1 (fake)", out);
    }

    @Override
    public synchronized org.vmhost.resources.SchedCredit setSchedCredit(String ref, Integer weight, Integer cap) {
        enter("setSchedCredit " + ref + " " + weight + " " + cap);
        DomainInfo d = get(ref);
        org.vmhost.resources.CpuController.check(d.name(), weight == null ? 256 : weight, cap == null ? 0 : cap, d.vcpus());
        return new org.vmhost.resources.SchedCredit(d.name(), d.domid().orElse(-1), weight == null ? 256 : weight, cap == null ? 0 : cap);
    }

    private final Map<String, List<SnapshotInfo>> snapshots = new HashMap<>();

    @Override
    public synchronized void autostart() {
        enter("autostart");
    }

    @Override
    public synchronized void save(String ref, String file, boolean checkpoint) {
        enter("save " + ref + " " + file + " checkpoint=" + checkpoint);
        require(ref, Operation.SAVE);
    }

    @Override
    public synchronized DomainInfo restore(String file, boolean paused) {
        enter("restore " + file + " paused=" + paused);
        throw new VmhostException(ErrorCode.BAD_REQUEST, "cannot restore from " + file + ": it is not a vmhost save file");
    }

    @Override
    public synchronized List<SnapshotInfo> listSnapshots(String ref) {
        enter("listSnapshots " + ref);
        return List.copyOf(snapshots.getOrDefault(require(ref).name(), List.of()));
    }

    @Override
    public synchronized SnapshotInfo createSnapshot(String ref, String name, boolean diskOnly) {
        enter("createSnapshot " + ref + " " + name + " diskOnly=" + diskOnly);
        DomainInfo d = require(ref, Operation.SNAPSHOT);
        List<SnapshotInfo> list = snapshots.computeIfAbsent(d.name(), k -> new java.util.ArrayList<>());
        if (list.stream().anyMatch(s -> s.name().equals(name))) {
            throw new VmhostException(ErrorCode.RESOURCE_BUSY, "domain '" + d.name() + "' has a snapshot named '" + name + "' already");
        }
        SnapshotInfo s = new SnapshotInfo(name, diskOnly, java.time.Instant.now(), diskOnly ? 0 : 1 << 20);
        list.add(s);
        return s;
    }

    @Override
    public synchronized DomainInfo applySnapshot(String ref, String name) {
        enter("applySnapshot " + ref + " " + name);
        DomainInfo d = require(ref, Operation.SNAPSHOT);
        snapshot(d, name);
        return d;
    }

    @Override
    public synchronized void deleteSnapshot(String ref, String name) {
        enter("deleteSnapshot " + ref + " " + name);
        DomainInfo d = require(ref, Operation.SNAPSHOT);
        snapshots.get(d.name()).remove(snapshot(d, name));
    }

    private SnapshotInfo snapshot(DomainInfo d, String name) {
        return snapshots.getOrDefault(d.name(), List.of()).stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new VmhostException(ErrorCode.NO_SUCH_DEVICE, "domain '" + d.name() + "' has no snapshot named '" + name + "'"));
    }

    @Override
    public synchronized DomainInfo setMemory(String ref, int mib) {
        enter("setMemory " + ref + " " + mib);
        DomainInfo d = get(ref);
        if (mib > d.memory()) throw new VmhostException(ErrorCode.BAD_REQUEST, "domain '" + d.name() + "' can have at most " + d.memory() + " MiB");
        return d;
    }

    @Override
    public synchronized DomainInfo setMaxMemory(String ref, int mib) {
        enter("setMaxMemory " + ref + " " + mib);
        DomainInfo d = get(ref);
        if (mib < d.memory()) throw new VmhostException(ErrorCode.BAD_REQUEST, "domain '" + d.name() + "' has " + d.memory() + " MiB");
        return d;
    }

    @Override
    public synchronized DomainInfo setVcpus(String ref, int count) {
        enter("setVcpus " + ref + " " + count);
        DomainInfo d = get(ref);
        if (count < 1) throw new VmhostException(ErrorCode.BAD_REQUEST, "domain '" + d.name() + "' needs at least 1 vCPU, not " + count);
        return d;
    }

    // --- networks and vifs: kept in memory, no host devices ---

    @Override
    public synchronized List<NetworkInfo> listNetworks() {
        enter("listNetworks");
        return List.copyOf(networks.values());
    }

    @Override
    public synchronized NetworkInfo createNetwork(NetworkConfig config) {
        enter("createNetwork " + config.name() + " " + config.type().configName() + " " + config.bridge());
        if (networks.containsKey(config.name())) {
            throw new VmhostException(ErrorCode.RESOURCE_BUSY, "network '" + config.name() + "' already exists");
        }
        NetworkInfo n = new NetworkInfo(config.name(), config.type().configName(), config.bridge(), config.subnet(), true,
                true, List.of());
        networks.put(n.name(), n);
        return n;
    }

    @Override
    public synchronized void deleteNetwork(String name) {
        enter("deleteNetwork " + name);
        if (networks.remove(name) == null) {
            throw new VmhostException(ErrorCode.NO_SUCH_DEVICE, "network '" + name + "' does not exist");
        }
    }

    @Override
    public synchronized List<Vif> listVifs(String ref) {
        enter("listVifs " + ref);
        return List.copyOf(vifs.getOrDefault(require(ref).name(), List.of()));
    }

    @Override
    public synchronized Vif attachVif(String ref, VifConfig vif) {
        enter("attachVif " + ref + " " + org.vmhost.config.VifSpec.format(vif));
        DomainInfo d = require(ref, Operation.HOTPLUG);
        List<Vif> list = new ArrayList<>(vifs.getOrDefault(d.name(), List.of()));
        int devid = list.size();
        Vif v = new Vif(devid, vif.mac().orElse(String.format("00:16:3e:00:00:%02x", devid)),
                java.util.Optional.of(vif.bridge().orElse("xenbr0")),
                java.util.Optional.of("vif" + d.domid().orElse(0) + "." + devid), vif.model().orElse("rtl8139"), vif.rate());
        list.add(v);
        vifs.put(d.name(), list);
        return v;
    }

    @Override
    public synchronized void detachVif(String ref, String device, boolean force) {
        enter("detachVif " + ref + " " + device + " force=" + force);
        DomainInfo d = require(ref, Operation.HOTPLUG);
        List<Vif> list = new ArrayList<>(vifs.getOrDefault(d.name(), List.of()));
        if (!list.removeIf(v -> Integer.toString(v.devid()).equals(device) || v.mac().equals(device))) {
            throw new VmhostException(ErrorCode.NO_SUCH_DEVICE, "domain '" + d.name() + "' has no vif '" + device + "'");
        }
        vifs.put(d.name(), list);
    }

    // --- the fake's machinery ---

    private void enter(String call) {
        calls.add(call);
        RuntimeException failure = failures.remove(call.split(" ", 2)[0]);
        if (failure != null) throw failure;
    }

    private DomainInfo require(String ref) {
        for (DomainInfo d : domains.values()) {
            if (d.name().equals(ref) || d.uuid().equals(ref)
                    || (d.domid().isPresent() && String.valueOf(d.domid().getAsInt()).equals(ref)))
                return d;
        }
        throw VmhostException.noSuchDomain(ref);
    }

    /** The domain, if {@code op} is allowed in its state: the real table, with its wording. */
    private DomainInfo require(String ref, Operation op) {
        DomainInfo d = require(ref);
        refuseDomain0(d, op.verb());
        Transitions.requireAllowed(d.name(), op, d.state());
        return d;
    }

    /** Walks the domain through {@code path}, each step checked against the real transition table. */
    private static DomainInfo move(DomainInfo d, DomainState... path) {
        for (DomainState next : path) {
            if (!Transitions.allowed(d.state(), next)) {
                throw new IllegalStateException("the fake broke the transition table: " + d.state() + " -> " + next);
            }
            d = withState(d, next);
        }
        return d;
    }

    private static void refuseDomain0(DomainInfo d, String action) {
        if (d.name().equals(DOMAIN0))
            throw new VmhostException(ErrorCode.INVALID_STATE, "cannot " + action + " " + DOMAIN0 + ": it is the host");
    }

    private DomainInfo stop(DomainInfo d, String kind) {
        move(d, DomainState.SHUT_OFF);
        DomainInfo stopped = new DomainInfo(d.name(), OptionalInt.empty(), d.uuid(), d.type(), DomainState.SHUT_OFF,
                d.memory(), d.maxmem(), d.vcpus(), d.cpuTime(), d.managed(), d.autostart(), d.configText(), d.uptime(), Optional.empty());
        if (d.managed()) domains.put(d.name(), stopped);
        else domains.remove(d.name());
        log(d.name(), kind, "domain '" + d.name() + "' " + kind);
        return stopped;
    }

    private DomainInfo replace(DomainInfo d, String kind) {
        domains.put(d.name(), d);
        log(d.name(), kind, "domain '" + d.name() + "' " + kind);
        return d;
    }

    private void log(String domain, String kind, String message) {
        events.add(DomainEvent.of(FIXED.instant().plusSeconds(events.size()), domain, kind, message));
        logged++;
        notifyAll();
    }

    private long logged;

    /** As the real service: wakes when an event is logged. */
    @Override
    public synchronized long awaitEvents(long seen, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (logged <= seen) {
            long left = deadline - System.nanoTime();
            if (left <= 0) break;
            java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return logged;
    }

    private static final Pattern SETTING = Pattern.compile("^\\s*(\\w+)\\s*=\\s*[\"']?([^\"'\\n#]*?)[\"']?\\s*(#.*)?$",
            Pattern.MULTILINE);

    private DomainInfo parse(DomainRequest request, boolean managed) {
        Map<String, String> settings = new HashMap<>();
        Matcher m = SETTING.matcher(request.configText());
        while (m.find()) settings.put(m.group(1), m.group(2).strip());
        for (String override : request.overrides()) {
            int eq = override.indexOf('=');
            if (eq < 1) throw new VmhostException(ErrorCode.INVALID_CONFIG, "bad override '" + override + "': expected key=value");
            settings.put(override.substring(0, eq).strip(), override.substring(eq + 1).strip().replaceAll("^[\"']|[\"']$", ""));
        }
        String name = settings.get("name");
        if (name == null || name.isEmpty())
            throw new VmhostException(ErrorCode.INVALID_CONFIG, request.sourceName() + ": no 'name' setting");
        if (domains.containsKey(name))
            throw new VmhostException(ErrorCode.DOMAIN_EXISTS, "domain '" + name + "' already exists");
        int memory = number(settings, "memory", 128, request);
        DomainType type = "pv".equals(settings.get("type")) ? DomainType.PV : DomainType.HVM;
        return new DomainInfo(name, OptionalInt.empty(), uuid(name), type, DomainState.SHUT_OFF, memory, memory,
                number(settings, "vcpus", 1, request), 0.0, managed, false, request.configText(), 0.0, Optional.empty());
    }

    private static int number(Map<String, String> settings, String key, int fallback, DomainRequest request) {
        String text = settings.get(key);
        if (text == null) return fallback;
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new VmhostException(ErrorCode.INVALID_CONFIG, request.sourceName() + ": " + key + " must be a number, not '" + text + "'");
        }
    }

    private static DomainInfo withState(DomainInfo d, DomainState state) {
        return new DomainInfo(d.name(), d.domid(), d.uuid(), d.type(), state, d.memory(), d.maxmem(), d.vcpus(),
                d.cpuTime(), d.managed(), d.autostart(), d.configText(), d.uptime(), Optional.empty());
    }

    private static DomainInfo withDomid(DomainInfo d, int domid) {
        return new DomainInfo(d.name(), OptionalInt.of(domid), d.uuid(), d.type(), d.state(), d.memory(), d.maxmem(),
                d.vcpus(), d.cpuTime(), d.managed(), d.autostart(), d.configText(), d.uptime(), Optional.empty());
    }

    private static String uuid(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
