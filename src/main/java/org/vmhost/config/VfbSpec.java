package org.vmhost.config;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.StringJoiner;
import java.util.function.Consumer;

/**
 * Frame buffer specifications, the strings of {@code vfb = [ ... ]}: {@code vnc}, {@code sdl}, xm's
 * {@code type=vnc|sdl}, {@code vnclisten}, {@code vncdisplay}, {@code vncunused}, {@code vncpasswd},
 * {@code keymap}. As in xl, VNC is on unless the spec turns it off or asks for SDL only.
 */
public final class VfbSpec {

    private VfbSpec() {
    }

    /**
     * Reads one vfb specification.
     *
     * @param warnings told of options that are accepted but have no effect in vmhost
     * @throws ConfigValueException naming the spec and the option at fault (key {@code vfb}, no location)
     */
    public static VfbConfig parse(String spec, Consumer<String> warnings) throws ConfigValueException {
        Boolean vnc = null;
        Boolean sdl = null;
        String type = null;
        Optional<String> vnclisten = Optional.empty();
        OptionalInt vncdisplay = OptionalInt.empty();
        boolean vncunused = true;
        Optional<String> vncpasswd = Optional.empty();
        Optional<String> keymap = Optional.empty();
        for (String part : spec.split(",", -1)) {
            String p = part.strip();
            if (p.isEmpty()) continue;
            int eq = p.indexOf('=');
            // (A part after a password may be the rest of it, cut at a comma: not quoted then.)
            if (eq < 0) throw invalid(spec, (secret(spec) ? "a part" : "'" + p + "'") + " is not KEY=VALUE");
            String key = p.substring(0, eq).strip();
            String value = p.substring(eq + 1).strip();
            switch (key) {
                case "vnc" -> vnc = bool(spec, key, value);
                case "sdl" -> sdl = bool(spec, key, value);
                case "type" -> {
                    if (!value.equals("vnc") && !value.equals("sdl")) {
                        throw invalid(spec, "type '" + value + "' is neither vnc nor sdl");
                    }
                    type = value;
                }
                case "vnclisten" -> vnclisten = Optional.of(value);
                case "vncdisplay" -> {
                    var n = RawValue.parseInteger(value);
                    if (n.isEmpty() || n.getAsLong() < 0 || n.getAsLong() > 65535 - 5900) {
                        throw invalid(spec, "vncdisplay '" + value + "' is not a display number (0 to 59635)");
                    }
                    vncdisplay = OptionalInt.of((int) n.getAsLong());
                }
                case "vncunused" -> vncunused = bool(spec, key, value);
                case "vncpasswd" -> vncpasswd = Optional.of(value);
                case "keymap" -> keymap = Optional.of(value);
                case "display", "xauthority", "opengl", "backend" ->
                        warnings.accept("vfb '" + shown(spec) + "': '" + key + "' has no effect in vmhost; ignored");
                default -> throw invalid(spec, "unknown option '" + key + "'");
            }
        }
        boolean useVnc = vnc != null ? vnc : !"sdl".equals(type);
        boolean useSdl = sdl != null ? sdl : "sdl".equals(type);
        try {
            return new VfbConfig(useVnc, useSdl, vnclisten, vncdisplay, vncunused, vncpasswd, keymap);
        } catch (IllegalArgumentException e) {
            throw invalid(spec, e.getMessage());
        }
    }

    /** Writes a vfb as the specification {@link #parse} reads back to it. */
    public static String format(VfbConfig vfb) {
        StringJoiner s = new StringJoiner(",");
        s.add("vnc=" + (vfb.vnc() ? 1 : 0));
        if (vfb.sdl()) s.add("sdl=1");
        vfb.vnclisten().ifPresent(v -> s.add("vnclisten=" + v));
        vfb.vncdisplay().ifPresent(v -> s.add("vncdisplay=" + v));
        if (!vfb.vncunused()) s.add("vncunused=0");
        vfb.vncpasswd().ifPresent(v -> s.add("vncpasswd=" + v));
        vfb.keymap().ifPresent(v -> s.add("keymap=" + v));
        return s.toString();
    }

    private static boolean bool(String spec, String key, String value) throws ConfigValueException {
        Optional<Boolean> b = ConfigBinder.parseBoolean(value);
        if (b.isEmpty()) throw invalid(spec, key + " '" + value + "' is not 1, 0, yes or no");
        return b.get();
    }

    private static ConfigValueException invalid(String spec, String reason) {
        return new ConfigValueException("", 0, "vfb", "'" + shown(spec) + "': " + reason);
    }

    /**
     * The specification as messages quote it, its password masked: a message reaches xend's log and, for a stored
     * definition that no longer reads, every viewer's domain list.
     */
    private static String shown(String spec) {
        StringJoiner s = new StringJoiner(",");
        boolean inPassword = false;
        for (String part : spec.split(",", -1)) {
            int eq = part.indexOf('=');
            if (eq < 0 && inPassword) continue; // the rest of a password that held a comma
            inPassword = eq >= 0 && secret(part.substring(0, eq));
            s.add(inPassword ? part.substring(0, eq + 1) + Secrets.MASK : part);
        }
        return s.toString();
    }

    /** Whether the text names a password: vncpasswd, or a misspelling of it (vncpassword, passwd ...). */
    private static boolean secret(String text) {
        return text.toLowerCase(Locale.ROOT).contains("passw");
    }
}
