package org.vmhost.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Applies {@code key=value} overrides to a configuration's text by editing the text: each key's setting is
 * rewritten where it stands and a key the text does not set is added at its end, so that the user's comments,
 * order and spacing stay. Used where overrides change a stored definition (the web GUI's hardware form, {@code xm
 * new FILE key=value}); the caller checks that the edited text means what the overrides mean.
 */
public final class ConfigEditor {

    private ConfigEditor() {
    }

    /**
     * The text with the overrides written into it; empty when an edit in place cannot say what the overrides say:
     * an override that appends ({@code key+=value}) or names its key twice, or a key the text sets more than once.
     *
     * @throws ConfigException if the text or an override does not read
     */
    public static Optional<String> apply(String source, String text, List<String> overrides) throws ConfigException {
        List<ConfigReader.Span> spans = ConfigReader.spans(source, text);
        List<ConfigReader.Assignment> assignments = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (String override : overrides) {
            ConfigReader.Assignment a = ConfigReader.readAssignment(override);
            if (a.append() || !keys.add(a.key())) return Optional.empty();
            assignments.add(a);
        }
        StringBuilder out = new StringBuilder(text);
        List<ConfigReader.Assignment> added = new ArrayList<>();
        // From the end of the text backwards, so that each edit leaves the places of those before it as they were.
        List<ConfigReader.Span> edits = new ArrayList<>();
        for (ConfigReader.Assignment a : assignments) {
            List<ConfigReader.Span> of = spans.stream().filter(s -> s.key().equals(a.key())).toList();
            if (of.size() > 1) return Optional.empty();
            if (of.isEmpty()) added.add(a);
            else edits.add(of.get(0));
        }
        edits.sort((x, y) -> Integer.compare(y.start(), x.start()));
        for (ConfigReader.Span s : edits) {
            ConfigReader.Assignment a = assignments.stream().filter(x -> x.key().equals(s.key())).findFirst().orElseThrow();
            out.replace(s.start(), s.end(), a.key() + " = " + write(a.value()));
        }
        if (!added.isEmpty()) {
            if (out.length() > 0 && out.charAt(out.length() - 1) != '\n') out.append('\n');
            for (ConfigReader.Assignment a : added) out.append(a.key()).append(" = ").append(write(a.value())).append('\n');
        }
        return Optional.of(out.toString());
    }

    /**
     * {@code text} changed as {@code before} became {@code after}, where those two are texts of the same writer (the
     * model written before and after a change, such as a disk attached): each setting whose text differs is
     * rewritten in {@code text} where it stands, one {@code after} no longer has is emptied if it was a list. Empty
     * when that cannot be done in place (a scalar setting removed; see {@link #apply}).
     *
     * @throws ConfigException if one of the texts does not read
     */
    public static Optional<String> rewrite(String source, String text, String before, String after) throws ConfigException {
        java.util.Map<String, String> was = settings(source, before);
        java.util.Map<String, String> now = settings(source, after);
        List<String> overrides = new ArrayList<>();
        for (var e : now.entrySet()) {
            if (!e.getValue().equals(was.get(e.getKey()))) overrides.add(e.getValue());
        }
        for (var e : was.entrySet()) {
            if (now.containsKey(e.getKey())) continue;
            if (!(ConfigReader.readAssignment(e.getValue()).value() instanceof RawValue.ListValue)) return Optional.empty();
            overrides.add(e.getKey() + "=[]");
        }
        return apply(source, text, overrides);
    }

    /** Each setting of a text as its own {@code key = value} text, in order; a key set twice keeps its first. */
    private static java.util.Map<String, String> settings(String source, String text) throws ConfigException {
        java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();
        for (ConfigReader.Span s : ConfigReader.spans(source, text)) settings.putIfAbsent(s.key(), text.substring(s.start(), s.end()));
        return settings;
    }

    /** A value in the language's own spelling, as the reader reads it back. */
    static String write(RawValue value) {
        return switch (value) {
            case RawValue.Str s -> ConfigWriter.quote(s.value());
            case RawValue.Num n -> n.text();
            case RawValue.ListValue l -> l.items().isEmpty() ? "[ ]"
                    : l.items().stream().map(ConfigEditor::write).collect(Collectors.joining(", ", "[ ", " ]"));
        };
    }
}
