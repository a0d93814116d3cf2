package org.vmhost.monitor;

import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The resolutions every series is kept at, XAPI's: each a step and how many steps it keeps. */
public enum Resolution {
    FIVE_SECONDS("5s", 5, 120),       // 10 minutes
    MINUTE("1m", 60, 120),            // 2 hours
    HOUR("1h", 3600, 168),            // a week
    DAY("1d", 86_400, 365);           // a year

    private final String label;
    private final int stepSeconds;
    private final int rows;

    Resolution(String label, int stepSeconds, int rows) {
        this.label = label;
        this.stepSeconds = stepSeconds;
        this.rows = rows;
    }

    public String label() {
        return label;
    }

    public int stepSeconds() {
        return stepSeconds;
    }

    public int rows() {
        return rows;
    }

    /** How far back this resolution reaches. */
    public Duration span() {
        return Duration.ofSeconds((long) stepSeconds * rows);
    }

    /** By its label (5s, 1m, 1h, 1d); an unknown one is a caller's mistake, named with the choices. */
    public static Resolution of(String label) {
        for (Resolution r : values()) if (r.label.equals(label)) return r;
        throw new IllegalArgumentException("resolution must be one of " + labels() + ", not '" + label + "'");
    }

    /** The finest resolution whose span covers {@code range}, or the coarsest. */
    public static Resolution covering(Duration range) {
        for (Resolution r : values()) if (r.span().compareTo(range) >= 0) return r;
        return DAY;
    }

    static String labels() {
        return Arrays.stream(values()).map(Resolution::label).collect(Collectors.joining(", "));
    }
}
