package org.vmhost.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Network interface specifications, the strings of {@code vif = [ ... ]}: comma-separated {@code key=value}
 * pairs ({@code mac}, {@code bridge}, {@code ip}, {@code script}, {@code type}, {@code model},
 * {@code vifname}, {@code rate}); {@code ''} means every default. Blanks around pairs are ignored, as
 * {@code 'type=ioemu, bridge=xenbr0'} needs.
 */
public final class VifSpec {

    /** Xen's rate: an amount per second and an optional replenish interval, e.g. {@code 10Mb/s@50ms}. */
    private static final Pattern RATE = Pattern.compile("[0-9]+[GMK]?[Bb]/s(@[0-9]+[mu]?s)?");
    /** Options Xen knew that mean nothing to vmhost's tap devices. */
    private static final Set<String> IGNORED = Set.of("accel", "policy", "label", "sec_label", "gatewaydev",
            "mtu", "devid", "forwarddev", "trusted", "untrusted", "ip6", "uuid");

    private VifSpec() {
    }

    /**
     * Reads one vif specification.
     *
     * @param warnings told of options that are accepted but have no effect in vmhost
     * @throws ConfigValueException naming the spec and the option at fault (key {@code vif}, no location)
     */
    public static VifConfig parse(String spec, Consumer<String> warnings) throws ConfigValueException {
        Map<String, String> values = new LinkedHashMap<>();
        for (String part : spec.split(",", -1)) {
            String p = part.strip();
            if (p.isEmpty()) continue;
            int eq = p.indexOf('=');
            if (eq < 0) throw invalid(spec, "'" + p + "' is not KEY=VALUE");
            String key = p.substring(0, eq).strip();
            String value = p.substring(eq + 1).strip();
            switch (key) {
                case "mac", "bridge", "ip", "script", "type", "model", "vifname", "rate" -> values.put(key, value);
                case "backend" -> {
                    if (!value.equals("0") && !value.equals("Domain-0")) {
                        warnings.accept("vif '" + spec + "': backend domain '" + value
                                + "' is not supported; the interface is served by the host");
                    }
                }
                default -> {
                    if (!IGNORED.contains(key)) throw invalid(spec, "unknown option '" + key + "'");
                    warnings.accept("vif '" + spec + "': '" + key + "' has no effect in vmhost; ignored");
                }
            }
        }
        String rate = values.getOrDefault("rate", "");
        if (!rate.isEmpty() && !RATE.matcher(rate).matches()) {
            throw invalid(spec, "rate '" + rate + "' is not like 10Mb/s or 1GB/s@20ms");
        }
        try {
            return new VifConfig(get(values, "mac"), get(values, "bridge"), get(values, "ip"), get(values, "script"),
                    get(values, "type"), get(values, "model"), get(values, "vifname"), get(values, "rate"));
        } catch (IllegalArgumentException e) {
            throw invalid(spec, e.getMessage());
        }
    }

    /** Writes a vif as the specification {@link #parse} reads back to it; {@code ""} for all defaults. */
    public static String format(VifConfig vif) {
        StringJoiner s = new StringJoiner(",");
        vif.mac().ifPresent(v -> s.add("mac=" + v));
        vif.bridge().ifPresent(v -> s.add("bridge=" + v));
        vif.ip().ifPresent(v -> s.add("ip=" + v));
        vif.script().ifPresent(v -> s.add("script=" + v));
        vif.type().ifPresent(v -> s.add("type=" + v));
        vif.model().ifPresent(v -> s.add("model=" + v));
        vif.vifname().ifPresent(v -> s.add("vifname=" + v));
        vif.rate().ifPresent(v -> s.add("rate=" + v));
        return s.toString();
    }

    private static Optional<String> get(Map<String, String> values, String key) {
        return Optional.ofNullable(values.get(key)).filter(v -> !v.isEmpty());
    }

    private static ConfigValueException invalid(String spec, String reason) {
        return new ConfigValueException("", 0, "vif", "'" + spec + "': " + reason);
    }
}
