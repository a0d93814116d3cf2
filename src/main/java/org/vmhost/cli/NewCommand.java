package org.vmhost.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmhost.config.ConfigException;
import org.vmhost.config.ConfigLoader;
import org.vmhost.config.LoadedConfig;
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
        Optional<Path> file = new CreateCommand(context).locate(config);
        if (file.isEmpty()) return context.fail("configuration file '" + config + "' not found");
        LoadedConfig loaded;
        try {
            loaded = ConfigLoader.load(file.get(), overrides);
        } catch (ConfigException e) {
            return context.fail(e.getMessage());
        } catch (IOException e) {
            return context.fail("cannot read " + file.get() + ": " + e.getMessage());
        }
        loaded.warnings().forEach(context::warn);
        DomainInfo d = xend.define(new DomainRequest(file.get().toString(), loaded.sourceText(), overrides));
        context.out().println("Domain " + d.name() + " defined (uuid " + d.uuid() + ")");
        return 0;
    }
}
