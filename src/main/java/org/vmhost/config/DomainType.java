package org.vmhost.config;

/** The two guest modes of the Xen environment. */
public enum DomainType {
    /** Full virtualization: an emulated PC with firmware, booting an unmodified OS. */
    HVM,
    /** Paravirtual: direct kernel boot on a minimal machine with virtio devices only. */
    PV;

    /** The word used in config files ({@code type=} / {@code builder=}) and SXP. */
    public String configName() {
        return this == HVM ? "hvm" : "pv";
    }
}
