package org.vmhost.config;

/** Where a disk's data lives, from the prefix of xend's {@code uname} or xl's {@code backendtype}. */
public enum DiskBackend {
    /** An image file ({@code file:}, {@code tap:aio:}, {@code tap:qcow2:} ..., or a bare path to a file). */
    FILE,
    /** A host block device: whole disk, partition or logical volume ({@code phy:}). */
    PHY,
    /**
     * An export of an NBD server, which QEMU reads itself over TCP ({@code nbd:HOST:PORT}, xl's
     * {@code target=nbd://HOST:PORT/EXPORT}); the target is then the export's URL ({@link NbdExport#url()}).
     */
    NBD
}
