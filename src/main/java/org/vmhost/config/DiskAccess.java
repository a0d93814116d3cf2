package org.vmhost.config;

/** How a domain may use a disk: xm's modes {@code r}, {@code w} and {@code w!}. */
public enum DiskAccess {
    READ_ONLY("r"),
    READ_WRITE("w"),
    /** Writable and knowingly shared with other domains ({@code w!}). */
    SHARED_WRITE("w!");

    private final String mode;

    DiskAccess(String mode) {
        this.mode = mode;
    }

    /** xm's mode letter(s). */
    public String mode() {
        return mode;
    }

    public boolean writable() {
        return this != READ_ONLY;
    }
}
