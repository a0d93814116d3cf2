package org.vmhost.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vmhost.config.ConfigException;
import org.vmhost.config.ConfigLoader;
import org.vmhost.config.LoadedConfig;
import org.vmhost.config.SxpWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xm create [-n] CONFIG [KEY=VALUE …]}: create a domain from a configuration file. */
@Command(name = "create", sortOptions = false,
        description = {"Create a domain from a configuration file.",
                "With -n, only check the configuration and print the domain as SXP; nothing is started."})
final class CreateCommand implements Callable<Integer> {

    private final XmContext context;

    @Option(names = {"-n", "--dryrun"}, description = "Print the domain's SXP and create nothing.")
    boolean dryRun;

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
        Optional<Path> file = locate(config);
        if (file.isEmpty()) {
            return context.fail("configuration file '" + config + "' not found"
                    + (Path.of(config).isAbsolute() ? "" : " (looked in . and " + context.configDirectory() + ")"));
        }
        LoadedConfig loaded;
        try {
            loaded = ConfigLoader.load(file.get(), overrides);
        } catch (ConfigException e) {
            return context.fail(e.getMessage());
        } catch (IOException e) {
            return context.fail("cannot read " + file.get() + ": " + e.getMessage());
        }
        loaded.warnings().forEach(context::warn);
        if (!dryRun) {
            return context.fail("creating domain '" + loaded.config().name() + "' needs xend, which this xm "
                    + "cannot reach yet; 'xm create -n' checks the configuration without it");
        }
        loaded.missingFiles().forEach(context::warn);
        context.out().println("Using config file \"" + file.get() + "\".");
        context.out().print(SxpWriter.write(loaded.config()));
        context.out().flush();
        return 0;
    }

    /** As xm: the path as given (from the working directory), then the name in the config directory. */
    private Optional<Path> locate(String name) {
        Path given = Path.of(name);
        Path fromHere = context.workingDirectory().resolve(given);
        if (Files.isRegularFile(fromHere)) return Optional.of(given.isAbsolute() ? given : relative(given));
        if (!given.isAbsolute()) {
            Path inConfigDir = context.configDirectory().resolve(given);
            if (Files.isRegularFile(inConfigDir)) return Optional.of(inConfigDir);
        }
        return Optional.empty();
    }

    /** A relative path kept as the user wrote it in messages, but read from the working directory. */
    private Path relative(Path given) {
        return context.workingDirectory().equals(Path.of("").toAbsolutePath()) ? given
                : context.workingDirectory().resolve(given);
    }
}
