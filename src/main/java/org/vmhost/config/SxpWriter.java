package org.vmhost.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a {@link DomainConfig} as SXP, the S-expressions xend used and {@code xm list -l} and
 * {@code xm create -n} print: {@code (domain (name …) (memory …) (image (linux …)) (device (vbd …)) …)}.
 *
 * <p>Laid out as xend's pretty printer did: an expression that fits the line stays on it, a longer one puts
 * each element on a line of its own, four spaces in, and its closing parenthesis under its opening one. An
 * atom is written bare when it is made of safe characters and quoted as Python's {@code repr} quotes a
 * string otherwise ({@code (args 'root=/dev/xvda1 ro')}). The VNC password is masked.
 */
public final class SxpWriter {

    private static final int WIDTH = 80;
    private static final String SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/~@+=,!^-";

    private SxpWriter() {
    }

    /** The domain as SXP, ending with a newline. */
    public static String write(DomainConfig c) {
        StringBuilder out = new StringBuilder();
        print(domain(c), 0, out);
        return out.append('\n').toString();
    }

    /** An S-expression: an atom or a list. */
    private sealed interface Sxp {
    }

    private record Atom(String text) implements Sxp {
    }

    private record Node(List<Sxp> items) implements Sxp {
    }

    private static Node domain(DomainConfig c) {
        List<Sxp> d = new ArrayList<>();
        d.add(atom("domain"));
        d.add(pair("name", c.name()));
        c.uuid().ifPresent(u -> d.add(pair("uuid", u.toString())));
        d.add(pair("memory", c.memory()));
        d.add(pair("maxmem", c.maxmem()));
        d.add(pair("vcpus", c.vcpus()));
        if (c.maxvcpus() != c.vcpus()) d.add(pair("maxvcpus", c.maxvcpus()));
        c.cpus().ifPresent(v -> d.add(pair("cpus", v)));
        if (!c.vcpuCpus().isEmpty()) d.add(pair("cpus", "[" + String.join(", ", c.vcpuCpus()) + "]"));
        d.add(pair("cpu_weight", c.cpuWeight()));
        d.add(pair("cpu_cap", c.cpuCap()));
        d.add(pair("on_poweroff", c.onPoweroff().configName()));
        d.add(pair("on_reboot", c.onReboot().configName()));
        d.add(pair("on_crash", c.onCrash().configName()));
        c.bootloader().ifPresent(v -> d.add(pair("bootloader", v)));
        c.description().ifPresent(v -> d.add(pair("description", v)));
        d.add(node("image", image(c)));
        for (DiskConfig disk : c.disks()) d.add(node("device", vbd(disk)));
        for (VifConfig vif : c.vifs()) d.add(node("device", vif(vif)));
        for (VfbConfig vfb : c.vfbs()) d.add(node("device", vfb(vfb)));
        return new Node(d);
    }

    private static Node image(DomainConfig c) {
        boolean hvm = c.type() == DomainType.HVM;
        List<Sxp> i = new ArrayList<>();
        i.add(atom(hvm ? "hvm" : "linux"));
        c.kernel().ifPresent(v -> i.add(pair("kernel", v)));
        c.ramdisk().ifPresent(v -> i.add(pair("ramdisk", v)));
        c.kernelCommandLine().ifPresent(v -> i.add(pair("args", v)));
        if (hvm) {
            i.add(pair("boot", c.boot()));
            i.add(pair("acpi", flag(c.acpi())));
            i.add(pair("apic", flag(c.apic())));
            i.add(pair("pae", flag(c.pae())));
            i.add(pair("stdvga", flag(c.stdvga())));
            i.add(pair("nographic", flag(c.nographic())));
            c.serial().ifPresent(v -> i.add(pair("serial", v)));
            i.add(pair("usb", flag(c.usb())));
            for (String u : c.usbdevices()) i.add(pair("usbdevice", u));
        }
        i.add(pair("localtime", flag(c.localtime())));
        if (!hvm) c.hotplugSlots().ifPresent(n -> i.add(pair("hotplug_slots", n)));
        return new Node(i);
    }

    private static Node vbd(DiskConfig disk) {
        List<Sxp> v = new ArrayList<>();
        v.add(atom("vbd"));
        String prefix = DiskSpec.xendPrefix(disk).orElse(switch (disk.backend()) {
            case PHY -> "phy:";
            case FILE -> "file:";
            case NBD -> ""; // the target is the export's nbd:// URL
        });
        disk.target().ifPresent(t -> v.add(pair("uname", prefix + t)));
        v.add(pair("dev", disk.vdev() + (disk.cdrom() ? ":cdrom" : ":disk")));
        v.add(pair("mode", disk.access().mode()));
        if (DiskSpec.xendPrefix(disk).isEmpty()) v.add(pair("format", disk.format().configName()));
        return new Node(v);
    }

    private static Node vif(VifConfig vif) {
        List<Sxp> v = new ArrayList<>();
        v.add(atom("vif"));
        vif.mac().ifPresent(x -> v.add(pair("mac", x)));
        vif.bridge().ifPresent(x -> v.add(pair("bridge", x)));
        vif.ip().ifPresent(x -> v.add(pair("ip", x)));
        vif.script().ifPresent(x -> v.add(pair("script", x)));
        vif.type().ifPresent(x -> v.add(pair("type", x)));
        vif.model().ifPresent(x -> v.add(pair("model", x)));
        vif.vifname().ifPresent(x -> v.add(pair("vifname", x)));
        vif.rate().ifPresent(x -> v.add(pair("rate", x)));
        return new Node(v);
    }

    private static Node vfb(VfbConfig vfb) {
        List<Sxp> v = new ArrayList<>();
        v.add(atom("vfb"));
        v.add(pair("vnc", flag(vfb.vnc())));
        v.add(pair("sdl", flag(vfb.sdl())));
        vfb.vnclisten().ifPresent(x -> v.add(pair("vnclisten", x)));
        vfb.vncdisplay().ifPresent(x -> v.add(pair("vncdisplay", x)));
        if (vfb.vnc()) v.add(pair("vncunused", flag(vfb.vncunused())));
        vfb.vncpasswd().ifPresent(x -> v.add(pair("vncpasswd", "XXXXXXXX"))); // never print a password
        vfb.keymap().ifPresent(x -> v.add(pair("keymap", x)));
        return new Node(v);
    }

    private static String flag(boolean b) {
        return b ? "1" : "0";
    }

    private static Atom atom(String text) {
        return new Atom(text);
    }

    private static Node pair(String key, Object value) {
        return new Node(List.of(atom(key), atom(String.valueOf(value))));
    }

    private static Node node(String head, Sxp... items) {
        List<Sxp> all = new ArrayList<>();
        all.add(atom(head));
        all.addAll(Arrays.asList(items));
        return new Node(all);
    }

    private static void print(Sxp sxp, int indent, StringBuilder out) {
        String flat = flat(sxp);
        if (sxp instanceof Atom || indent + flat.length() <= WIDTH) {
            out.append(flat);
            return;
        }
        List<Sxp> items = ((Node) sxp).items();
        out.append('(').append(flat(items.get(0)));
        for (Sxp item : items.subList(1, items.size())) {
            out.append('\n').append(" ".repeat(indent + 4));
            print(item, indent + 4, out);
        }
        out.append('\n').append(" ".repeat(indent)).append(')');
    }

    private static String flat(Sxp sxp) {
        return switch (sxp) {
            case Atom a -> quote(a.text());
            case Node n -> {
                StringBuilder sb = new StringBuilder("(");
                for (int i = 0; i < n.items().size(); i++) {
                    if (i > 0) sb.append(' ');
                    sb.append(flat(n.items().get(i)));
                }
                yield sb.append(')').toString();
            }
        };
    }

    /** A bare atom when every character is safe; otherwise quoted as Python's {@code repr} quotes a string. */
    static String quote(String atom) {
        boolean safe = !atom.isEmpty();
        for (int i = 0; i < atom.length() && safe; i++) safe = SAFE.indexOf(atom.charAt(i)) >= 0;
        if (safe) return atom;
        char q = atom.indexOf('\'') >= 0 && atom.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder().append(q);
        for (int i = 0; i < atom.length(); i++) {
            char c = atom.charAt(i);
            if (c == q || c == '\\') {
                sb.append('\\').append(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append(q).toString();
    }
}
