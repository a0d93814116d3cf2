package org.vmhost.domain;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.monitor.DomainStats;
import org.vmhost.monitor.MonitorTarget;
import org.vmhost.monitor.Resolution;
import org.vmhost.monitor.Sampler;
import org.vmhost.monitor.SeriesHistory;
import org.vmhost.monitor.StatsReport;
import org.vmhost.qemu.QemuStats;

/**
 * The domain side of monitoring: tells the {@link Sampler} which domains run, and answers {@code xm top} and
 * the history API from it. Package-private; {@link LocalDomainService} delegates to it in one line each.
 */
final class Monitoring implements AutoCloseable {
    /** Longest time range one history request may span: the coarsest archive's reach. */
    static final Duration MAX_RANGE = Resolution.DAY.span();

    private final DomainRegistry registry;
    private final Sampler sampler;

    Monitoring(XendHome home, DomainRegistry registry) {
        this.registry = registry;
        try {
            this.sampler = Sampler.open(home.root().resolve("monitor").resolve("history.bin"), this::targets);
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot open the statistics history under "
                    + home.root().resolve("monitor") + ": " + e.getMessage(), e);
        }
    }

    void start() {
        sampler.start();
    }

    /** Every domain with a QEMU, as the sampler sees it. */
    List<MonitorTarget> targets() {
        List<MonitorTarget> out = new ArrayList<>();
        for (Domain d : registry.all()) {
            DomainRuntime rt = d.runtime;
            if (rt == null || d.domid().isEmpty() || !d.state().active()) continue;
            Map<String, String> taps = new TreeMap<>();
            for (org.vmhost.network.Vif v : d.vifs) v.tap().ifPresent(tap -> taps.put(Integer.toString(v.devid()), tap));
            var c = d.config();
            out.add(new MonitorTarget(d.uuid, d.name(), d.domid().getAsInt(), d.state().letter(), rt.process().handle().pid(),
                    c.memory() * 1024L, c.maxmem() * 1024L, Vcpus.count(rt.process().handle().pid(), c.vcpus()), taps,
                    () -> {
                        try {
                            return QemuStats.blockStats(rt.qmp());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return List.of();
                        }
                    },
                    () -> {
                        try {
                            return QemuStats.balloonKib(rt.qmp());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return OptionalLong.empty();
                        }
                    }));
        }
        return out;
    }

    StatsReport stats() {
        List<DomainStats> domains = sampler.current(targets());
        return new StatsReport(Instant.now(), sampler.host(), domains);
    }

    /**
     * One series of a domain ({@code uuid}) or of the host (null) between two instants. Unknown series, a range
     * that ends before it starts or reaches further than a year, or an unknown resolution are refused.
     */
    SeriesHistory history(String uuid, String what, String metric, Instant from, Instant to, String resolution) {
        if (metric == null || metric.isBlank()) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "name a metric of " + what + ": one of " + known(uuid));
        }
        if (!to.isAfter(from)) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "the history's start (" + from + ") must be before its end (" + to + ")");
        }
        if (Duration.between(from, to).compareTo(MAX_RANGE) > 0) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "a history range may span at most " + MAX_RANGE.toDays()
                    + " days, not " + Duration.between(from, to).toDays());
        }
        Resolution r;
        try {
            r = resolution == null || resolution.isEmpty() ? Resolution.covering(Duration.between(from, Instant.now()))
                    : Resolution.of(resolution);
        } catch (IllegalArgumentException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, e.getMessage());
        }
        String key = prefix(uuid) + metric;
        if (!sampler.history().has(key)) {
            throw new VmhostException(ErrorCode.NO_SUCH_DEVICE, what + " has no series '" + metric + "'; it has: " + known(uuid));
        }
        return new SeriesHistory(metric, r.label(), r.stepSeconds(), sampler.history().query(key, r, from, to));
    }

    private String known(String uuid) {
        List<String> keys = sampler.history().keys(prefix(uuid));
        return keys.isEmpty() ? "none yet" : String.join(", ", keys);
    }

    private static String prefix(String uuid) {
        return (uuid == null ? Sampler.HOST : uuid) + "/";
    }

    @Override
    public void close() {
        sampler.close();
    }
}
