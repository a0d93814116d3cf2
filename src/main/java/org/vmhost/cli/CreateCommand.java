package org.vmhost.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vmhost.config.LoadedConfig;
import org.vmhost.config.SxpWriter;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainRequest;
import org.vmhost.error.VmhostException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xm create [-c] [-p] [-n] CONFIG [KEY=VALUE …]}: create a domain from a configuration file. */
@Command(name = "create", sortOptions = false,
        description = {"Create and start a domain from a configuration file; it is forgotten once it stops",
                "(use 'xm new' to keep it). With -n, only check the configuration and print the domain as SXP."})
final class CreateCommand implements Callable<Integer> {

    private final XmContext context;

    @Option(names = {"-n", "--dryrun"}, description = "Print the domain's SXP and create nothing.")
    boolean dryRun;

    @Option(names = {"-p", "--paused"}, description = "Leave the domain paused after it is created.")
    boolean paused;

    @Option(names = {"-c", "--console_autoconnect"}, description = "Connect to the console after the domain is created.")
    boolean console;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Parameters(index = "0", paramLabel = "CONFIG",
            description = "A configuration file, or a name looked up in $VMHOST_CONFIG_DIR (default /etc/xen).")
    String config;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE",
            description = "Settings that override the file's; a list key given again appends (disk=… disk=…).")
    List<String> overrides = new ArrayList<>();

    CreateCommand(XmContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        Optional<ConfigFile> read = ConfigFile.read(context, config, overrides);
        if (read.isEmpty()) return XmMain.EXIT_FAILURE;
        Path file = read.get().path();
        LoadedConfig loaded = read.get().loaded();
        if (!dryRun) {
            try {
                DomainInfo d = DaemonCommand.connect(context).create(
                        new DomainRequest(file.toString(), loaded.sourceText(), overrides), paused);
                context.out().println("Using config file \"" + file + "\".");
                context.out().println("Started domain " + d.name() + " (id=" + d.domid().orElse(-1) + ")");
            } catch (VmhostException e) {
                context.err().println("Error: " + e.getMessage());
                return e.code().exitStatus();
            }
            return console ? ConsoleCommand.attach(context, loaded.config().name()) : 0;
        }
        loaded.missingFiles().forEach(context::warn);
        context.out().println("Using config file \"" + file + "\".");
        context.out().print(SxpWriter.write(loaded.config()));
        context.out().flush();
        return 0;
    }
}
