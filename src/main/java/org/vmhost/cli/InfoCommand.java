package org.vmhost.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.vmhost.domain.DomainService;
import org.vmhost.domain.HostInfo;
import picocli.CommandLine.Command;

/** {@code xm info}: the host, as xm printed Xen's and Domain-0's facts. */
@Command(name = "info", description = "Show the host: CPUs, memory, the accelerator and why it was chosen.")
final class InfoCommand extends DaemonCommand {

    InfoCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        HostInfo h = xend.hostInfo();
        Map<String, Object> rows = new LinkedHashMap<>();
        rows.put("host", h.hostname());
        rows.put("release", h.release());
        rows.put("machine", h.machine());
        rows.put("nr_cpus", h.cpus());
        rows.put("cpu_mhz", String.format(Locale.ROOT, "%.0f", h.cpuMhz()));
        rows.put("total_memory", h.totalMemory());
        rows.put("free_memory", h.freeMemory());
        rows.put("accelerator", h.accelerator());
        rows.put("accelerator_reason", h.acceleratorReason());
        rows.put("device_model", h.qemuVersion());
        rows.put("networking", h.networking());
        rows.put("confinement", h.confinement());
        rows.put("xen_scheduler", "credit, on " + xend.schedCredit("").controller());
        rows.put("host_uptime", String.format(Locale.ROOT, "%.0f", h.uptimeSeconds()));
        rows.put("xend_version", h.xendVersion());
        rows.forEach((k, v) -> context.out().printf("%-22s : %s%n", k, v));
        return 0;
    }
}
