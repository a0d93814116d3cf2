package org.vmhost.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.vmhost.config.ConfigException;
import org.vmhost.config.ConfigLoader;
import org.vmhost.config.LoadedConfig;

/**
 * A configuration named on xm's command line, found and read as xm did: the path as given, else the name
 * in the config directory; warnings go to standard error.
 *
 * @param path   where it was found
 * @param loaded what it says, with the command line's overrides applied
 */
record ConfigFile(Path path, LoadedConfig loaded) {

    /** Finds and reads a configuration; on failure prints the one {@code Error:} line and gives nothing. */
    static Optional<ConfigFile> read(XmContext context, String name, List<String> overrides) {
        Optional<Path> file = locate(context, name);
        if (file.isEmpty()) {
            context.fail("configuration file '" + name + "' not found"
                    + (Path.of(name).isAbsolute() ? "" : " (looked in . and " + context.configDirectory() + ")"));
            return Optional.empty();
        }
        try {
            LoadedConfig loaded = ConfigLoader.load(file.get(), overrides);
            loaded.warnings().forEach(context::warn);
            return Optional.of(new ConfigFile(file.get(), loaded));
        } catch (ConfigException e) {
            context.fail(e.getMessage());
        } catch (IOException e) {
            context.fail("cannot read " + file.get() + ": " + e.getMessage());
        }
        return Optional.empty();
    }

    /** As xm: the path as given (from the working directory), then the name in the config directory. */
    private static Optional<Path> locate(XmContext context, String name) {
        Path given = Path.of(name);
        Path fromHere = context.workingDirectory().resolve(given);
        if (Files.isRegularFile(fromHere)) return Optional.of(given.isAbsolute() ? given : relative(context, given));
        if (!given.isAbsolute()) {
            Path inConfigDir = context.configDirectory().resolve(given);
            if (Files.isRegularFile(inConfigDir)) return Optional.of(inConfigDir);
        }
        return Optional.empty();
    }

    /** A relative path kept as the user wrote it in messages, but read from the working directory. */
    private static Path relative(XmContext context, Path given) {
        return context.workingDirectory().equals(Path.of("").toAbsolutePath()) ? given
                : context.workingDirectory().resolve(given);
    }
}
