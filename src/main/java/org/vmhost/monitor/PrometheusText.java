package org.vmhost.monitor;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * A {@link StatsReport} in Prometheus' text exposition format, through the Prometheus Java client, with the
 * metric names of the libvirt exporter ({@code libvirt_domain_info_*}, {@code libvirt_domain_block_stats_*},
 * {@code libvirt_domain_interface_stats_*}) so existing dashboards and alerts read it; labels {@code domain}
 * (the name), and {@code target_device} for disks (the vdev) and vifs (the devid).
 */
public final class PrometheusText {
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private PrometheusText() {
    }

    public static byte[] write(StatsReport report) {
        List<MetricSnapshot> metrics = new ArrayList<>();
        metrics.add(GaugeSnapshot.builder().name("libvirt_up").help("Whether xend answered: always 1 when it does.")
                .dataPoint(GaugeDataPointSnapshot.builder().value(1).build()).build());
        List<DomainStats> d = report.domains();
        metrics.add(counter("libvirt_domain_info_cpu_time_seconds", "Host CPU time the domain used.", d, DomainStats::cpuSeconds));
        metrics.add(gauge("libvirt_domain_info_memory_usage_bytes", "Memory the guest has (its balloon's figure when it has one).",
                d, s -> s.memoryKib() * 1024.0));
        metrics.add(gauge("libvirt_domain_info_maximum_memory_bytes", "Memory the guest may have.", d, s -> s.maxmemKib() * 1024.0));
        metrics.add(gauge("libvirt_domain_info_virtual_cpus", "Virtual CPUs.", d, DomainStats::vcpus));
        metrics.add(gauge("libvirt_domain_info_cpu_usage_percent", "CPU used over the last 5 s, percent of one host CPU.",
                d, DomainStats::cpuPercent));
        metrics.add(disk("libvirt_domain_block_stats_read_bytes", "Bytes read from the disk.", d, DiskCounters::readBytes));
        metrics.add(disk("libvirt_domain_block_stats_write_bytes", "Bytes written to the disk.", d, DiskCounters::writeBytes));
        metrics.add(disk("libvirt_domain_block_stats_read_requests", "Read requests.", d, DiskCounters::readOps));
        metrics.add(disk("libvirt_domain_block_stats_write_requests", "Write requests.", d, DiskCounters::writeOps));
        metrics.add(vif("libvirt_domain_interface_stats_receive_bytes", "Bytes the guest received.", d, NetCounters::rxBytes));
        metrics.add(vif("libvirt_domain_interface_stats_transmit_bytes", "Bytes the guest sent.", d, NetCounters::txBytes));
        metrics.add(vif("libvirt_domain_interface_stats_receive_packets", "Packets the guest received.", d, NetCounters::rxPackets));
        metrics.add(vif("libvirt_domain_interface_stats_transmit_packets", "Packets the guest sent.", d, NetCounters::txPackets));
        HostStats h = report.host();
        metrics.add(GaugeSnapshot.builder().name("vmhost_host_cpu_usage_percent").help("Host CPU busy over the last 5 s, percent of all CPUs.")
                .dataPoint(GaugeDataPointSnapshot.builder().value(h.cpuPercent()).build()).build());
        metrics.add(GaugeSnapshot.builder().name("vmhost_host_memory_total_bytes").help("Host memory.")
                .dataPoint(GaugeDataPointSnapshot.builder().value(h.totalKib() * 1024.0).build()).build());
        metrics.add(GaugeSnapshot.builder().name("vmhost_host_memory_available_bytes").help("Host memory available (MemAvailable).")
                .dataPoint(GaugeDataPointSnapshot.builder().value(h.freeKib() * 1024.0).build()).build());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, new MetricSnapshots(metrics), EscapingScheme.DEFAULT);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return out.toByteArray();
    }

    private static Labels labels(DomainStats s, String... more) {
        List<String> names = new ArrayList<>(List.of("domain"));
        List<String> values = new ArrayList<>(List.of(s.name()));
        for (int i = 0; i + 1 < more.length; i += 2) {
            names.add(more[i]);
            values.add(more[i + 1]);
        }
        return Labels.of(names, values);
    }

    private static MetricSnapshot gauge(String name, String help, List<DomainStats> domains,
                                        ToDoubleFunction<DomainStats> value) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        for (DomainStats s : domains) b.dataPoint(GaugeDataPointSnapshot.builder().labels(labels(s)).value(value.applyAsDouble(s)).build());
        return b.build();
    }

    private static MetricSnapshot counter(String name, String help, List<DomainStats> domains,
                                          ToDoubleFunction<DomainStats> value) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        for (DomainStats s : domains) b.dataPoint(CounterDataPointSnapshot.builder().labels(labels(s)).value(value.applyAsDouble(s)).build());
        return b.build();
    }

    private static MetricSnapshot disk(String name, String help, List<DomainStats> domains,
                                       ToDoubleFunction<DiskCounters> value) {
        return devices(name, help, domains, DomainStats::disks, DiskCounters::device, value);
    }

    private static MetricSnapshot vif(String name, String help, List<DomainStats> domains,
                                      ToDoubleFunction<NetCounters> value) {
        return devices(name, help, domains, DomainStats::vifs, NetCounters::vif, value);
    }

    private static <T> MetricSnapshot devices(String name, String help, List<DomainStats> domains,
                                              Function<DomainStats, List<T>> of, Function<T, String> device, ToDoubleFunction<T> value) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        for (DomainStats s : domains)
            for (T t : of.apply(s))
                b.dataPoint(CounterDataPointSnapshot.builder().labels(labels(s, "target_device", device.apply(t)))
                        .value(value.applyAsDouble(t)).build());
        return b.build();
    }
}
