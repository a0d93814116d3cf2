package org.vmhost.network;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Xen's {@code rate=} for a vif: an amount per second ({@code b} bits, {@code B} bytes, with K, M or G) and
 * an optional replenish interval (default 50 ms), which sets the burst: what may pass at once.
 */
record Rate(long bitsPerSecond, long burstBytes) {
    private static final Pattern RATE = Pattern.compile("([0-9]+)([GMK]?)([Bb])/s(?:@([0-9]+)([mu]?)s)?");
    /** Never below a few full frames, or a rate limit drops every large packet. */
    private static final long MIN_BURST = 16 * 1514;

    static Rate parse(String text) {
        Matcher m = RATE.matcher(text);
        if (!m.matches()) throw new IllegalArgumentException("rate '" + text + "' is not like 10Mb/s or 1GB/s@20ms");
        long amount = Long.parseLong(m.group(1));
        long scale = switch (m.group(2)) {
            case "K" -> 1_000L;
            case "M" -> 1_000_000L;
            case "G" -> 1_000_000_000L;
            default -> 1L;
        };
        long bits = amount * scale * (m.group(3).equals("B") ? 8 : 1);
        if (bits <= 0) throw new IllegalArgumentException("rate '" + text + "' must be more than nothing");
        long intervalMicros = 50_000;
        if (m.group(4) != null) {
            long v = Long.parseLong(m.group(4));
            intervalMicros = switch (m.group(5)) {
                case "m" -> v * 1000;
                case "u" -> v;
                default -> v * 1_000_000;
            };
        }
        long burst = Math.max(MIN_BURST, bits / 8 * intervalMicros / 1_000_000);
        return new Rate(bits, burst);
    }
}
