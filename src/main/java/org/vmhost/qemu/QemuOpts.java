package org.vmhost.qemu;

import java.util.ArrayList;
import java.util.List;

/**
 * One QEMU option argument in its {@code name,key=value,...} syntax, with every value escaped.
 *
 * <p>QEMU splits such arguments on commas and reads {@code ,,} as a literal comma, so a value taken from
 * a user's config (a file name, a domain name) must have its commas doubled or it could add options of
 * its own, e.g. a disk named {@code a.img,readonly=off}. Control characters have no honest meaning in
 * these values and are refused.
 */
final class QemuOpts {
    private final List<String> parts = new ArrayList<>();

    private QemuOpts(String head) {
        parts.add(head);
    }

    /** Starts an argument whose first element is a bare word such as a device driver or machine type. */
    static QemuOpts of(String driver) {
        return new QemuOpts(escape(driver));
    }

    /** Starts an argument with no bare first element. */
    static QemuOpts empty() {
        return new QemuOpts(null);
    }

    QemuOpts add(String key, String value) {
        parts.add(key + "=" + escape(value));
        return this;
    }

    QemuOpts add(String key, long value) {
        return add(key, Long.toString(value));
    }

    QemuOpts add(String key, boolean on) {
        return add(key, on ? "on" : "off");
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (String p : parts) {
            if (p == null) continue;
            if (!sb.isEmpty()) sb.append(',');
            sb.append(p);
        }
        return sb.toString();
    }

    /** The parts of an argument as QEMU reads it: split at each single comma, a doubled one a comma of the value. */
    static List<String> split(String arg) {
        List<String> out = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            if (c != ',') {
                part.append(c);
            } else if (i + 1 < arg.length() && arg.charAt(i + 1) == ',') {
                part.append(',');
                i++;
            } else {
                out.add(part.toString());
                part.setLength(0);
            }
        }
        out.add(part.toString());
        return out;
    }

    /** Doubles commas; refuses control characters, which no QEMU option value may carry. */
    static String escape(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw new IllegalArgumentException("control character in QEMU option value: "
                        + value.replaceAll("\\p{Cntrl}", "?"));
            }
        }
        return value.replace(",", ",,");
    }
}
