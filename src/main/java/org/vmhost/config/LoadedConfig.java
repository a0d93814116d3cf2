package org.vmhost.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A configuration as read from its file: the domain it describes, what vmhost had to say about it, and the
 * text and settings it came from.
 *
 * @param config     the domain configuration, xm's defaults filled in
 * @param warnings   unknown keys, settings vmhost ignores, options without effect; in line order
 * @param sourceText the file's text as read (without command-line overrides)
 * @param settings   the raw settings after overrides, for finding the line of a key
 */
public record LoadedConfig(DomainConfig config, List<ConfigWarning> warnings, String sourceText, RawConfig settings) {

    public LoadedConfig {
        Objects.requireNonNull(config, "config");
        warnings = List.copyOf(warnings);
        Objects.requireNonNull(sourceText, "sourceText");
        Objects.requireNonNull(settings, "settings");
    }

    /**
     * One warning for each file the configuration names (kernel, ramdisk, disk targets) that does not exist on
     * this host. Kept apart from reading, which never looks at the file system: configurations are often
     * checked on another host than the one they run on.
     */
    public List<ConfigWarning> missingFiles() {
        return missingFiles(path -> Files.exists(Path.of(path)));
    }

    /** As {@link #missingFiles()}, with {@code exists} deciding which paths exist. */
    public List<ConfigWarning> missingFiles(Predicate<String> exists) {
        List<ConfigWarning> missing = new ArrayList<>();
        config.kernel().filter(k -> !exists.test(k)).ifPresent(k -> missing.add(warning("kernel", "kernel: '" + k
                + "' does not exist on this host")));
        config.ramdisk().filter(r -> !exists.test(r)).ifPresent(r -> missing.add(warning("ramdisk", "ramdisk: '" + r
                + "' does not exist on this host")));
        List<RawValue> items = settings.get("disk")
                .map(s -> s.value() instanceof RawValue.ListValue l ? l.items() : List.of(s.value()))
                .orElse(List.of());
        for (int i = 0; i < config.disks().size(); i++) {
            DiskConfig disk = config.disks().get(i);
            if (disk.target().isEmpty() || disk.nbd().isPresent() || exists.test(disk.target().get())) continue;
            RawSetting setting = settings.get("disk").orElseThrow();
            int line = setting.line() == 0 || i >= items.size() ? setting.line() : items.get(i).line();
            missing.add(new ConfigWarning(setting.source(), line, "disk " + disk.vdev() + ": '" + disk.target().get()
                    + "' does not exist on this host"));
        }
        return missing;
    }

    private ConfigWarning warning(String key, String message) {
        RawSetting s = settings.get(key).orElseThrow();
        return new ConfigWarning(s.source(), s.line(), message);
    }
}
