package org.vmhost.config;

/** The bus a virtual disk sits on, decided by its vdev name as in Xen. */
public enum DiskBus {
    /** {@code xvd*}: the paravirtual disk, virtio-blk in vmhost. */
    XEN,
    /** {@code hd*}: emulated IDE. */
    IDE,
    /** {@code sd*}: emulated SCSI. */
    SCSI,
    /** {@code vd*}: virtio, as libvirt names it; treated like {@link #XEN}. */
    VIRTIO
}
