package org.vmhost.config;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Writes a {@link DomainConfig} as xm configuration text, the export xend offered: canonical (one layout, keys in
 * one order, defaults left out except the ones people look for), and read back by {@link ConfigLoader} to the
 * same configuration.
 */
public final class ConfigWriter {

    /** Lists longer than this are written one item a line. */
    private static final int LINE_WIDTH = 80;

    private ConfigWriter() {
    }

    public static String write(DomainConfig c) {
        Text t = new Text();
        t.comment("Configuration of domain '" + c.name() + "', written by vmhost in xm's format.");
        t.string("name", c.name());
        c.uuid().ifPresent(u -> t.string("uuid", u.toString()));
        t.string("builder", c.type() == DomainType.HVM ? "hvm" : "linux");
        t.number("memory", c.memory());
        if (c.maxmem() != c.memory()) t.number("maxmem", c.maxmem());
        t.number("vcpus", c.vcpus());
        c.cpus().ifPresent(v -> t.string("cpus", v));
        if (c.cpuWeight() != DomainConfig.DEFAULT_CPU_WEIGHT) t.number("cpu_weight", c.cpuWeight());
        if (c.cpuCap() != 0) t.number("cpu_cap", c.cpuCap());
        c.kernel().ifPresent(v -> t.string("kernel", v));
        c.ramdisk().ifPresent(v -> t.string("ramdisk", v));
        c.root().ifPresent(v -> t.string("root", v));
        c.extra().ifPresent(v -> t.string("extra", v));
        c.cmdline().ifPresent(v -> t.string("cmdline", v));
        c.bootloader().ifPresent(v -> t.string("bootloader", v));
        t.list("disk", c.disks(), DiskSpec::format);
        t.list("vif", c.vifs(), VifSpec::format);
        boolean hvm = c.type() == DomainType.HVM;
        List<VfbConfig> vfbs = new ArrayList<>(c.vfbs());
        if (hvm && !c.nographic()) {
            // The hvm display keys are the first frame buffer; VNC is on by default, so "none" must be said.
            if (!vfbs.isEmpty() && (vfbs.get(0).vnc() || vfbs.get(0).sdl())) {
                display(t, vfbs.remove(0));
            } else {
                t.number("vnc", 0);
            }
        }
        if (c.nographic()) t.number("nographic", 1);
        t.list("vfb", vfbs, VfbSpec::format);
        if (hvm || c.stdvga()) t.number("stdvga", c.stdvga() ? 1 : 0);
        c.serial().ifPresent(v -> t.string("serial", v));
        if (hvm || !c.boot().equals(DomainConfig.DEFAULT_BOOT)) t.string("boot", c.boot());
        if (hvm || !c.acpi()) t.number("acpi", c.acpi() ? 1 : 0);
        if (hvm || !c.apic()) t.number("apic", c.apic() ? 1 : 0);
        if (hvm || !c.pae()) t.number("pae", c.pae() ? 1 : 0);
        c.hotplugSlots().ifPresent(n -> t.number("hotplug_slots", n));
        if (c.autoStartOrder() != 0) t.number("auto_start_order", c.autoStartOrder());
        if (c.autoStartDelay() != 0) t.number("auto_start_delay", c.autoStartDelay());
        if (c.localtime()) t.number("localtime", 1);
        if (c.usb()) t.number("usb", 1);
        if (c.usbdevices().size() == 1 && !c.usbdevices().get(0).isEmpty()) {
            t.string("usbdevice", c.usbdevices().get(0));
        } else {
            t.list("usbdevice", c.usbdevices(), Function.identity());
        }
        t.string("on_poweroff", c.onPoweroff().configName());
        t.string("on_reboot", c.onReboot().configName());
        t.string("on_crash", c.onCrash().configName());
        c.description().ifPresent(v -> t.string("description", v));
        return t.toString();
    }

    private static void display(Text t, VfbConfig vfb) {
        t.number("vnc", vfb.vnc() ? 1 : 0);
        t.number("sdl", vfb.sdl() ? 1 : 0);
        vfb.vnclisten().ifPresent(v -> t.string("vnclisten", v));
        vfb.vncdisplay().ifPresent(v -> t.number("vncdisplay", v));
        t.number("vncunused", vfb.vncunused() ? 1 : 0);
        vfb.vncpasswd().ifPresent(v -> t.string("vncpasswd", v));
        vfb.keymap().ifPresent(v -> t.string("keymap", v));
    }

    /**
     * A string in the language's double quotes, escaped so that the reader gives back exactly {@code s}:
     * backslash, quote and the control characters that have an escape; other characters as they are.
     */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\u0007' -> sb.append("\\a");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\u000b' -> sb.append("\\v");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    /** The text being written, one {@code key = value} a line. */
    private static final class Text {
        private final StringBuilder out = new StringBuilder();

        void comment(String text) {
            out.append("# ").append(text.replace('\n', ' ').replace('\r', ' ')).append("\n\n");
        }

        void string(String key, String value) {
            out.append(key).append(" = ").append(quote(value)).append('\n');
        }

        void number(String key, long value) {
            out.append(key).append(" = ").append(value).append('\n');
        }

        <T> void list(String key, List<T> items, Function<T, String> format) {
            if (items.isEmpty()) return;
            List<String> quoted = items.stream().map(format).map(ConfigWriter::quote).toList();
            String oneLine = key + " = [ " + String.join(", ", quoted) + " ]";
            if (oneLine.length() <= LINE_WIDTH) {
                out.append(oneLine).append('\n');
                return;
            }
            out.append(key).append(" = [\n");
            for (String q : quoted) out.append("    ").append(q).append(",\n");
            out.append("]\n");
        }

        @Override
        public String toString() {
            return out.toString();
        }
    }
}
