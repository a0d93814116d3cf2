package org.vmhost.cli;

import java.util.List;
import org.vmhost.domain.DomainService;
import org.vmhost.resources.SchedCredit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code xm sched-credit [-d DOM [-w WEIGHT] [-c CAP]]}, as Xen's credit scheduler. */
@Command(name = "sched-credit", description = {"Show or set the credit scheduler's weight and cap of running domains.",
        "Weight 1-65535 (256 by default): CPU time in proportion when domains compete.",
        "Cap: the most CPU a domain may use, in percent of one CPU (0: none)."})
final class SchedCreditCommand extends DaemonCommand {

    @Option(names = {"-d", "--domain"}, paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    @Option(names = {"-w", "--weight"}, paramLabel = "WEIGHT", description = "New weight, 1-65535.")
    Integer weight;

    @Option(names = {"-c", "--cap"}, paramLabel = "CAP", description = "New cap in percent of one CPU, 0 for none.")
    Integer cap;

    SchedCreditCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        if (domain == null && (weight != null || cap != null)) return context.fail("-w and -c need a domain: -d DOMAIN");
        if (weight != null || cap != null) {
            xend.setSchedCredit(domain, weight, cap);
            return 0;
        }
        context.out().print(table(xend.schedCredit(domain == null ? "" : domain).domains()));
        return 0;
    }

    /** xm's {@code %-33s %4s %6s %4s}. */
    static String table(List<SchedCredit> domains) {
        StringBuilder sb = new StringBuilder(String.format("%-33s %4s %6s %4s%n", "Name", "ID", "Weight", "Cap"));
        for (SchedCredit s : domains) sb.append(String.format("%-33s %4d %6d %4d%n", s.name(), s.domid(), s.weight(), s.cap()));
        return sb.toString();
    }
}
