package org.vmhost.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The way in: reads a configuration file (or text) and any {@code key=value} overrides from the command line
 * into a {@link LoadedConfig}.
 *
 * <p>Overrides are applied after the file, as xm applied them: each replaces the file's value of its key,
 * except that a list key given again appends ({@code disk=… disk=…} gives two disks) and {@code key+=value}
 * appends to the file's value. An override's value is a value of the language, or else a bare word taken as a
 * string ({@code name=web2}, {@code disk=phy:/dev/vg/a,xvda,w}).
 */
public final class ConfigLoader {

    /** The source named in messages about overrides. */
    public static final String COMMAND_LINE = "command line";

    private ConfigLoader() {
    }

    /**
     * Reads a configuration file. Its text is UTF-8, or Latin-1 when it is not valid UTF-8 (old files were
     * written in either, and xl reads bytes).
     *
     * @throws IOException     if the file cannot be read
     * @throws ConfigException if the text or a value is wrong; the message names the file, line and key
     */
    public static LoadedConfig load(Path file, List<String> overrides) throws IOException, ConfigException {
        return parse(file.toString(), decode(Files.readAllBytes(file)), overrides);
    }

    /**
     * Reads configuration text.
     *
     * @param sourceName the name used in messages, usually the file's path
     * @throws ConfigException if the text or a value is wrong; the message names the source, line and key
     */
    public static LoadedConfig parse(String sourceName, String text, List<String> overrides) throws ConfigException {
        RawConfig file = ConfigReader.read(sourceName, text);
        RawConfig settings = applyOverrides(file, overrides);
        ConfigBinder.Bound bound = ConfigBinder.bind(settings);
        return new LoadedConfig(bound.config(), bound.warnings(), text, settings);
    }

    /** A file's bytes as text: UTF-8 if they are valid UTF-8 (a leading byte-order mark dropped), else Latin-1. */
    static String decode(byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            text = new String(bytes, StandardCharsets.ISO_8859_1);
        }
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private static RawConfig applyOverrides(RawConfig file, List<String> overrides) throws ConfigException {
        if (overrides.isEmpty()) return file;
        RawConfig.Builder settings = new RawConfig.Builder(file);
        Set<String> given = new HashSet<>();
        for (String override : overrides) {
            ConfigReader.Assignment a = ConfigReader.readAssignment(override);
            RawValue value = a.value();
            if (ConfigBinder.LIST_KEYS.contains(a.key()) && !(value instanceof RawValue.ListValue)) {
                value = new RawValue.ListValue(List.of(value), value.line(), value.column());
            }
            boolean repeatedList = given.contains(a.key()) && value instanceof RawValue.ListValue
                    && settings.get(a.key()).map(s -> s.value() instanceof RawValue.ListValue).orElse(false);
            if (a.append() || repeatedList) {
                String problem = settings.append(a.key(), value, COMMAND_LINE, 0);
                if (problem != null) throw new ConfigValueException(COMMAND_LINE, 0, a.key(), problem);
            } else {
                settings.assign(a.key(), value, COMMAND_LINE, 0);
            }
            given.add(a.key());
        }
        return settings.build();
    }
}
