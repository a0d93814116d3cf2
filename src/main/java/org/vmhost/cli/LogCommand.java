package org.vmhost.cli;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.vmhost.event.DomainEvent;
import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code xm log}: what xend did to domains, oldest first. */
@Command(name = "log", description = "Print xend's event log: domains created, started, stopped, crashed...")
final class LogCommand extends DaemonCommand {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "100", description = "How many events (default ${DEFAULT-VALUE}).")
    int lines;

    LogCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        for (DomainEvent e : xend.events(lines)) {
            context.out().println(TIME.format(e.time()) + " " + e.kind() + " " + e.message());
        }
        return 0;
    }
}
