package org.vmhost.monitor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one sampler: every {@link #INTERVAL} it reads each running domain's counters and the host's, turns
 * counters into rates and adds them to the {@link History}, and keeps the newest figures for {@code xm top}.
 * It only reads what the kernel and QEMU already count. The history is saved every minute and on close.
 *
 * <p>Series are named {@code <uuid>/<metric>} for domains and {@code host/<metric>} for the host; metrics:
 * {@code cpu} and {@code vcpu<N>} (percent of one host CPU), {@code memory_kib}, {@code memory_actual_kib},
 * {@code vbd/<dev>/read_bytes|write_bytes|read_ops|write_ops} and {@code vif/<devid>/rx_bytes|tx_bytes|
 * rx_packets|tx_packets} (per second); the host's {@code cpu} (percent of all CPUs), {@code memory_total_kib},
 * {@code memory_free_kib}.
 */
public final class Sampler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Sampler.class.getName());
    public static final Duration INTERVAL = Duration.ofSeconds(5);
    static final Duration SAVE_EVERY = Duration.ofMinutes(1);
    public static final String HOST = "host";

    private final Supplier<List<MonitorTarget>> targets;
    private final Path proc;
    private final Path sysClassNet;
    private final Path file;
    private final History history;
    private final Map<String, Raw> previous = new ConcurrentHashMap<>();
    private final Map<String, DomainStats> latest = new ConcurrentHashMap<>();
    private volatile HostStats host = new HostStats(Runtime.getRuntime().availableProcessors(), 0, 0, 0);
    private volatile long[] hostCpuPrevious;
    private volatile Thread thread;
    private volatile boolean closed;
    private Instant lastSave = Instant.now();

    private Sampler(Supplier<List<MonitorTarget>> targets, Path proc, Path sysClassNet, Path file, History history) {
        this.targets = Objects.requireNonNull(targets);
        this.proc = proc;
        this.sysClassNet = sysClassNet;
        this.file = file;
        this.history = history;
    }

    /** A sampler over the real /proc and /sys, its history read back from {@code file}. */
    public static Sampler open(Path file, Supplier<List<MonitorTarget>> targets) throws IOException {
        History history;
        try {
            history = History.load(file);
        } catch (IOException e) {
            // An unreadable history must not stop xend: keep the file aside and start afresh.
            Path aside = file.resolveSibling(file.getFileName() + ".unreadable");
            LOG.log(Level.WARNING, "cannot read " + file + " (" + e.getMessage() + "); moved to " + aside);
            Files.move(file, aside, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            history = new History();
        }
        return new Sampler(targets, Path.of("/proc"), Path.of("/sys/class/net"), file, history);
    }

    /** For tests: a sampler over a /proc and /sys/class/net laid out by hand. */
    static Sampler over(Path proc, Path sysClassNet, Path file, Supplier<List<MonitorTarget>> targets) {
        return new Sampler(targets, proc, sysClassNet, file, new History());
    }

    /** Starts sampling on a virtual thread, aligned to the interval. */
    public synchronized void start() {
        if (thread != null) return;
        thread = Thread.ofVirtual().name("sampler").start(this::loop);
    }

    private void loop() {
        long step = INTERVAL.toMillis();
        while (!closed) {
            try {
                Thread.sleep(step - System.currentTimeMillis() % step);
            } catch (InterruptedException e) {
                return;
            }
            try {
                sample(Instant.now());
                if (Duration.between(lastSave, Instant.now()).compareTo(SAVE_EVERY) >= 0) save();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "sampling failed", e);
            }
        }
    }

    /** Takes one sample of every running domain and the host now. */
    public void sample(Instant now) {
        long t = now.getEpochSecond();
        sampleHost(t);
        Map<String, DomainStats> seen = new HashMap<>();
        for (MonitorTarget target : targets.get()) {
            try {
                seen.put(target.uuid(), sampleDomain(target, t, System.nanoTime()));
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "cannot sample domain '" + target.name() + "'", e);
            }
        }
        latest.keySet().retainAll(seen.keySet());
        previous.keySet().retainAll(seen.keySet());
        latest.putAll(seen);
    }

    private DomainStats sampleDomain(MonitorTarget target, long t, long nanos) {
        String prefix = target.uuid() + "/";
        double cpu = VcpuThread.processSeconds(proc, target.pid());
        List<VcpuThread> vcpus = VcpuThread.read(proc, target.pid());
        List<DiskCounters> disks = target.disks().get();
        List<NetCounters> nets = nets(target);
        OptionalLong balloon = target.balloonKib().get();
        Raw now = new Raw(target.pid(), nanos, cpu, vcpus, disks, nets);
        Raw before = previous.put(target.uuid(), now);

        long memory = balloon.orElse(target.memoryKib());
        history.add(prefix + "memory_kib", t, target.memoryKib());
        if (balloon.isPresent()) history.add(prefix + "memory_actual_kib", t, balloon.getAsLong());
        double cpuPercent = 0;
        if (before != null && before.pid == now.pid && now.nanos > before.nanos) {
            double dt = (now.nanos - before.nanos) / 1e9;
            cpuPercent = Math.max(0, (now.cpu - before.cpu) / dt * 100);
            history.add(prefix + "cpu", t, cpuPercent);
            Map<Integer, Double> vcpuBefore = new HashMap<>();
            for (VcpuThread v : before.vcpus) vcpuBefore.put(v.vcpu(), v.cpuSeconds());
            for (VcpuThread v : now.vcpus) {
                Double b = vcpuBefore.get(v.vcpu());
                if (b != null) history.add(prefix + "vcpu" + v.vcpu(), t, Math.max(0, (v.cpuSeconds() - b) / dt * 100));
            }
            Map<String, DiskCounters> diskBefore = new HashMap<>();
            for (DiskCounters d : before.disks) diskBefore.put(d.device(), d);
            for (DiskCounters d : now.disks) {
                DiskCounters b = diskBefore.get(d.device());
                if (b == null) continue;
                String p = prefix + "vbd/" + d.device() + "/";
                rate(p + "read_bytes", t, d.readBytes() - b.readBytes(), dt);
                rate(p + "write_bytes", t, d.writeBytes() - b.writeBytes(), dt);
                rate(p + "read_ops", t, d.readOps() - b.readOps(), dt);
                rate(p + "write_ops", t, d.writeOps() - b.writeOps(), dt);
            }
            Map<String, NetCounters> netBefore = new HashMap<>();
            for (NetCounters n : before.nets) netBefore.put(n.vif(), n);
            for (NetCounters n : now.nets) {
                NetCounters b = netBefore.get(n.vif());
                if (b == null) continue;
                String p = prefix + "vif/" + n.vif() + "/";
                rate(p + "rx_bytes", t, n.rxBytes() - b.rxBytes(), dt);
                rate(p + "tx_bytes", t, n.txBytes() - b.txBytes(), dt);
                rate(p + "rx_packets", t, n.rxPackets() - b.rxPackets(), dt);
                rate(p + "tx_packets", t, n.txPackets() - b.txPackets(), dt);
            }
        }
        return stats(target, state(target, vcpus), cpu, cpuPercent, memory, disks, nets);
    }

    /** Xen's b: a running domain whose vCPUs all sleep (the guest idles), as its threads were when read. */
    private static char state(MonitorTarget target, List<VcpuThread> vcpus) {
        if (target.state() != 'r' || vcpus.isEmpty()) return target.state();
        for (VcpuThread v : vcpus) if (v.running()) return 'r';
        return 'b';
    }

    /** A counter that went back (its QEMU restarted, a device replaced) gives no value for this step. */
    private void rate(String key, long t, long delta, double dt) {
        if (delta >= 0) history.add(key, t, delta / dt);
    }

    private List<NetCounters> nets(MonitorTarget target) {
        List<NetCounters> nets = new ArrayList<>();
        for (var e : new java.util.TreeMap<>(target.taps()).entrySet())
            NetCounters.ofTap(sysClassNet, e.getKey(), e.getValue()).ifPresent(nets::add);
        return nets;
    }

    private static DomainStats stats(MonitorTarget target, char state, double cpu, double cpuPercent, long memory,
                                     List<DiskCounters> disks, List<NetCounters> nets) {
        long tx = 0, rx = 0, rd = 0, wr = 0, rdBytes = 0, wrBytes = 0;
        for (NetCounters n : nets) {
            tx += n.txBytes();
            rx += n.rxBytes();
        }
        for (DiskCounters d : disks) {
            rd += d.readOps();
            wr += d.writeOps();
            rdBytes += d.readBytes();
            wrBytes += d.writeBytes();
        }
        return new DomainStats(target.name(), target.domid(), String.valueOf(state), cpu, cpuPercent, memory,
                target.maxmemKib(), target.vcpus(), target.taps().size(), tx / 1024, rx / 1024, disks.size(), rd, wr,
                rdBytes, wrBytes, disks, nets);
    }

    private void sampleHost(long t) {
        try {
            String[] f = Files.readAllLines(proc.resolve("stat"), StandardCharsets.ISO_8859_1).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) total += Long.parseLong(f[i]);
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            long[] before = hostCpuPrevious;
            hostCpuPrevious = new long[] {total, idle};
            double busy = host.cpuPercent();
            if (before != null && total > before[0]) {
                busy = 100.0 * ((total - before[0]) - (idle - before[1])) / (total - before[0]);
                history.add(HOST + "/cpu", t, busy);
            }
            long memTotal = 0, memAvailable = 0;
            for (String line : Files.readAllLines(proc.resolve("meminfo"), StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("MemTotal:")) memTotal = kib(line);
                if (line.startsWith("MemAvailable:")) memAvailable = kib(line);
            }
            history.add(HOST + "/memory_total_kib", t, memTotal);
            history.add(HOST + "/memory_free_kib", t, memAvailable);
            host = new HostStats(Runtime.getRuntime().availableProcessors(), busy, memTotal, memAvailable);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "cannot read the host's figures", e);
        }
    }

    private static long kib(String meminfoLine) {
        return Long.parseLong(meminfoLine.replaceAll("[^0-9]", ""));
    }

    /**
     * The figures of these domains now: CPU time and network counters read at once, CPU(%) and disk counters
     * from the last sample (QEMU is asked only by the sampler).
     */
    public List<DomainStats> current(List<MonitorTarget> now) {
        List<DomainStats> out = new ArrayList<>();
        for (MonitorTarget target : now) {
            DomainStats last = latest.get(target.uuid());
            Raw raw = previous.get(target.uuid());
            double cpu = VcpuThread.processSeconds(proc, target.pid());
            List<DiskCounters> disks = raw == null || raw.pid != target.pid() ? List.of() : raw.disks;
            DomainStats s = stats(target, raw == null ? target.state() : state(target, raw.vcpus), cpu, last == null ? 0 : last.cpuPercent(),
                    last == null ? target.memoryKib() : last.memoryKib(), disks, nets(target));
            out.add(s);
        }
        return out;
    }

    public HostStats host() {
        return host;
    }

    public History history() {
        return history;
    }

    public synchronized void save() {
        lastSave = Instant.now();
        try {
            history.save(file);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot save the statistics history to " + file, e);
        }
    }

    /** Stops sampling and saves the history. */
    @Override
    public void close() {
        closed = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        save();
    }

    /** What one sample read of a domain, kept to turn the next one's counters into rates. */
    private record Raw(long pid, long nanos, double cpu, List<VcpuThread> vcpus, List<DiskCounters> disks,
                       List<NetCounters> nets) {
    }
}
