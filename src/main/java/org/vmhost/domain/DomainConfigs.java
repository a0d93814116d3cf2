package org.vmhost.domain;

import org.vmhost.error.VmhostException;
import org.vmhost.error.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.vmhost.config.ConfigEditor;
import org.vmhost.config.ConfigException;
import org.vmhost.config.ConfigLoader;
import org.vmhost.config.ConfigWriter;
import org.vmhost.config.DiskConfig;
import org.vmhost.config.DomainConfig;

/**
 * The lifecycle's door to the configuration language: reads a request into a {@link DomainConfig}, turning
 * every configuration error into one {@link ErrorCode#INVALID_CONFIG} failure that keeps the file, line
 * and column of the original message.
 */
public final class DomainConfigs {

    DomainConfig parse(DomainRequest request) {
        try {
            return ConfigLoader.parse(request.sourceName(), request.configText(), request.overrides()).config();
        } catch (ConfigException e) {
            throw new VmhostException(ErrorCode.INVALID_CONFIG, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new VmhostException(ErrorCode.INVALID_CONFIG, request.sourceName() + ": " + e.getMessage());
        }
    }

    /**
     * The text kept for a domain: the user's own file; with overrides, that file with the overridden settings
     * rewritten in place (its comments kept), or the model written back when an edit in place would not read
     * as the overrides do (a {@code +=}, a key set twice).
     */
    String canonicalText(DomainRequest request) {
        if (request.overrides().isEmpty()) return request.configText();
        DomainConfig config = parse(request);
        try {
            Optional<String> edited = ConfigEditor.apply(request.sourceName(), request.configText(), request.overrides());
            if (edited.isPresent()
                    && ConfigLoader.parse(request.sourceName(), edited.get(), List.of()).config().equals(config)) {
                return edited.get();
            }
        } catch (ConfigException | IllegalArgumentException e) {
            // parse() above read the same text and overrides; whatever the edit trips on, the model is right
        }
        return ConfigWriter.write(config);
    }

    String write(DomainConfig config) {
        return ConfigWriter.write(config);
    }

    /**
     * The text of {@code after}, a change of the domain whose text is {@code text} and model {@code before} (a disk
     * attached, a NIC added): the settings that changed rewritten in {@code text} where they stand, so that its
     * comments stay; or {@code after} written whole when the edited text would not read as {@code after}.
     */
    String edit(String sourceName, String text, DomainConfig before, DomainConfig after) {
        if (sourceName == null) sourceName = "config";
        String written = ConfigWriter.write(after);
        try {
            Optional<String> edited = ConfigEditor.rewrite(sourceName, text, ConfigWriter.write(before), written);
            if (edited.isPresent() && ConfigLoader.parse(sourceName, edited.get(), List.of()).config().equals(after)) {
                return edited.get();
            }
        } catch (ConfigException | IllegalArgumentException e) {
            // the stored text no longer reads as its model (an older xend's text): the model written whole is right
        }
        return written;
    }

    DomainConfig withName(DomainConfig config, String name) {
        return parse(new DomainRequest("rename", ConfigWriter.write(config), List.of("name=" + name)));
    }

    /**
     * Refuses a configuration whose kernel, ramdisk or disks are missing on this host (or whose {@code phy:}
     * disk is not a block device), before anything is made, naming the first missing file.
     */
    void requireFilesExist(DomainConfig config) {
        requireFile(config.name(), "kernel", config.kernel());
        requireFile(config.name(), "ramdisk", config.ramdisk());
        for (DiskConfig disk : config.disks()) DiskClaims.requireTarget(config.name(), disk);
    }

    private static void requireFile(String domain, String what, Optional<String> path) {
        if (path.isPresent() && !Files.exists(Path.of(path.get()))) {
            throw new VmhostException(ErrorCode.INVALID_CONFIG,
                    "domain '" + domain + "': " + what + ": " + path.get() + " does not exist");
        }
    }
}
