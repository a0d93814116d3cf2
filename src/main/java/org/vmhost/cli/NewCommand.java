package org.vmhost.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainRequest;
import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm new CONFIG [KEY=VALUE …]}: define a managed domain that xend keeps. */
@Command(name = "new", description = {"Define a managed domain from a configuration file, without starting it.",
        "xend keeps its configuration; 'xm start' starts it, 'xm delete' removes it."})
final class NewCommand extends DaemonCommand {

    @Parameters(index = "0", paramLabel = "CONFIG",
            description = "A configuration file, or a name looked up in $VMHOST_CONFIG_DIR (default /etc/xen).")
    String config;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "Settings that override the file's.")
    List<String> overrides = new ArrayList<>();

    NewCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        Optional<ConfigFile> file = ConfigFile.read(context, config, overrides);
        if (file.isEmpty()) return XmMain.EXIT_FAILURE;
        DomainInfo d = xend.define(new DomainRequest(file.get().path().toString(), file.get().loaded().sourceText(), overrides));
        context.out().println("Domain " + d.name() + " defined (uuid " + d.uuid() + ")");
        return 0;
    }
}
