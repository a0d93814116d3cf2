package org.vmhost.config;

import java.util.Locale;
import java.util.Optional;

/** The image format of a disk's backing file or device. */
public enum DiskFormat {
    RAW, QCOW2, QCOW, VHD, QED;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<DiskFormat> parse(String word) {
        String w = word.trim().toLowerCase(Locale.ROOT);
        if (w.equals("aio")) return Optional.of(RAW); // tap:aio: is a raw image
        for (DiskFormat f : values()) {
            if (f.configName().equals(w)) return Optional.of(f);
        }
        return Optional.empty();
    }
}
