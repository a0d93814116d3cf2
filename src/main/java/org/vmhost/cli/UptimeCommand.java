package org.vmhost.cli;

import java.util.ArrayList;
import java.util.List;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm uptime [DOMAIN…]}: how long each running domain has run, as xm printed it. */
@Command(name = "uptime", description = "Show how long each running domain (and the host, as Domain-0) has been up.")
final class UptimeCommand extends DaemonCommand {

    @Parameters(paramLabel = "DOMAIN", arity = "0..*", description = "Domains by name, id or UUID; all when none.")
    List<String> domains = new ArrayList<>();

    UptimeCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        List<DomainInfo> shown = new ArrayList<>();
        if (domains.isEmpty()) shown.addAll(xend.list());
        else for (String ref : domains) shown.add(xend.get(ref));
        context.out().printf("%-40s %5s %s%n", "Name", "ID", "Uptime");
        for (DomainInfo d : shown) {
            if (d.domid().isEmpty()) continue;
            context.out().printf("%-40s %5d %s%n", d.name(), d.domid().getAsInt(), format((long) d.uptime()));
        }
        return 0;
    }

    /** xm's form: {@code 1 day, 2:03:04}, or {@code 2:03:04} under a day. */
    static String format(long seconds) {
        long days = seconds / 86400;
        long rest = seconds % 86400;
        String clock = String.format("%d:%02d:%02d", rest / 3600, rest % 3600 / 60, rest % 60);
        return days == 0 ? clock : days + (days == 1 ? " day, " : " days, ") + clock;
    }
}
