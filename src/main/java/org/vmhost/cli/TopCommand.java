package org.vmhost.cli;

import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.vmhost.domain.DomainService;
import org.vmhost.monitor.DomainStats;
import org.vmhost.monitor.HostStats;
import org.vmhost.monitor.StatsReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code xm top}: xentop's screen, refreshed every few seconds; {@code -b} prints it again and again for scripts.
 * CPU(%) is measured between two screens; the first takes the sampler's last interval.
 */
@Command(name = "top", description = {"Show the running domains' CPU, memory, network and disk use, as xentop.",
        "Batch mode (-b) prints each refresh after the last, for scripts."})
final class TopCommand extends DaemonCommand {
    static final String CLEAR = "\033[H\033[2J";

    @Option(names = {"-b", "--batch"}, description = "Batch mode: no screen control, print each refresh.")
    boolean batch;

    @Option(names = {"-d", "--delay"}, paramLabel = "SECS", defaultValue = "3",
            description = "Seconds between refreshes (default ${DEFAULT-VALUE}).")
    double delay;

    @Option(names = {"-i", "--iterations"}, paramLabel = "N", description = "Stop after N refreshes.")
    Integer iterations;

    TopCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        if (!(delay > 0) || delay > 86_400) return context.fail("the delay must be from 0 to 86400 seconds, not " + delay);
        if (iterations != null && iterations < 1) return context.fail("the number of iterations must be at least 1, not " + iterations);
        StatsReport before = null;
        for (int i = 0; iterations == null || i < iterations; i++) {
            if (i > 0) {
                try {
                    Thread.sleep(Duration.ofMillis(Math.round(delay * 1000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 0;
                }
            }
            StatsReport now = xend.stats();
            if (!batch) context.out().print(CLEAR);
            context.out().print(screen(now, before));
            context.out().flush();
            before = now;
        }
        return 0;
    }

    /** One refresh: xentop's three header lines and a row per domain. */
    static String screen(StatsReport now, StatsReport before) {
        Map<String, DomainStats> previous = new HashMap<>();
        if (before != null) for (DomainStats d : before.domains()) previous.put(d.name() + "/" + d.domid(), d);
        double seconds = before == null ? 0 : Duration.between(before.time(), now.time()).toNanos() / 1e9;
        HostStats h = now.host();
        int running = 0, blocked = 0, paused = 0, crashed = 0, dying = 0, shutdown = 0;
        for (DomainStats d : now.domains()) {
            switch (d.state()) {
                case "r" -> running++;
                case "b" -> blocked++;
                case "p" -> paused++;
                case "c" -> crashed++;
                case "d" -> dying++;
                case "s" -> shutdown++;
                default -> { }
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("xentop - ").append(DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault()).format(now.time()))
                .append("   vmhost\n");
        sb.append(String.format(Locale.ROOT, "%d domains: %d running, %d blocked, %d paused, %d crashed, %d dying, %d shutdown%n",
                now.domains().size(), running, blocked, paused, crashed, dying, shutdown));
        sb.append(String.format(Locale.ROOT, "Mem: %dk total, %dk used, %dk free    CPUs: %d (%.1f%% busy)%n",
                h.totalKib(), h.totalKib() - h.freeKib(), h.freeKib(), h.cpus(), h.cpuPercent()));
        sb.append(String.format(Locale.ROOT, "%10s %6s %10s %6s %10s %6s %10s %9s %5s %4s %8s %8s %4s %8s %8s %8s%n",
                "NAME", "STATE", "CPU(sec)", "CPU(%)", "MEM(k)", "MEM(%)", "MAXMEM(k)", "MAXMEM(%)", "VCPUS", "NETS",
                "NETTX(k)", "NETRX(k)", "VBDS", "VBD_OO", "VBD_RD", "VBD_WR"));
        for (DomainStats d : now.domains()) {
            DomainStats b = previous.get(d.name() + "/" + d.domid());
            double cpu = b != null && seconds > 0 ? Math.max(0, (d.cpuSeconds() - b.cpuSeconds()) / seconds * 100) : d.cpuPercent();
            double total = Math.max(1, h.totalKib());
            sb.append(String.format(Locale.ROOT, "%10s %6s %10d %6.1f %10d %6.1f %10d %9.1f %5d %4d %8d %8d %4d %8d %8d %8d%n",
                    d.name(), flags(d.state()), (long) d.cpuSeconds(), cpu, d.memoryKib(), 100 * d.memoryKib() / total,
                    d.maxmemKib(), 100 * d.maxmemKib() / total, d.vcpus(), d.nets(), d.netTxKib(), d.netRxKib(), d.vbds(),
                    0, d.vbdReads(), d.vbdWrites()));
        }
        return sb.toString();
    }

    /** xentop's six state columns, d s b c p r, a letter where it applies. */
    static String flags(String state) {
        StringBuilder sb = new StringBuilder("------");
        int at = "dsbcpr".indexOf(state);
        if (at >= 0 && !state.isEmpty()) sb.setCharAt(at, state.charAt(0));
        return sb.toString();
    }
}
