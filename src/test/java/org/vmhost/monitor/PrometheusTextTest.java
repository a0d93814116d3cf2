package org.vmhost.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** /metrics' text, read back by Prometheus' own text-format parser (python3-prometheus-client). */
public class PrometheusTextTest {

    /** Parses the exposition with prometheus_client.parser and prints "name{labels} value" per sample. */
    public static String parse(byte[] text) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("python3", "-c", """
                import sys
                from prometheus_client.parser import text_string_to_metric_families
                for family in text_string_to_metric_families(sys.stdin.read()):
                    for s in family.samples:
                        labels = ",".join(k + "=" + v for k, v in sorted(s.labels.items()))
                        print(f"{s.name}{{{labels}}} {s.value:g}")
                """).redirectErrorStream(true);
        pb.environment().put("PYTHONPATH", "/usr/lib/python3/dist-packages"); // Debian's package, whatever python3 is first
        Process p = pb.start();
        p.getOutputStream().write(text);
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void theExpositionParsesWithTheLibvirtExportersNames() throws Exception {
        DomainStats web = new DomainStats("web\"1", 3, "r", 12.5, 99.0, 262_144, 524_288, 2, 1, 10, 20, 1, 7, 8, 4096, 8192,
                List.of(new DiskCounters("xvda", 4096, 8192, 7, 8)), List.of(new NetCounters("0", 20_480, 10_240, 30, 40)));
        StatsReport report = new StatsReport(Instant.now(), new HostStats(2, 50, 1_000_000, 400_000), List.of(web));
        String samples = parse(PrometheusText.write(report));
        assertThat(samples.lines()).contains(
                "libvirt_up{} 1",
                "libvirt_domain_info_cpu_time_seconds_total{domain=web\"1} 12.5",
                "libvirt_domain_info_memory_usage_bytes{domain=web\"1} 2.68435e+08",
                "libvirt_domain_info_virtual_cpus{domain=web\"1} 2",
                "libvirt_domain_block_stats_read_bytes_total{domain=web\"1,target_device=xvda} 4096",
                "libvirt_domain_block_stats_write_requests_total{domain=web\"1,target_device=xvda} 8",
                "libvirt_domain_interface_stats_receive_bytes_total{domain=web\"1,target_device=0} 20480",
                "libvirt_domain_interface_stats_transmit_packets_total{domain=web\"1,target_device=0} 40",
                "vmhost_host_memory_total_bytes{} 1.024e+09");
    }
}
