/**
 * Storage: what a disk's target is on this host (an image file, a whole block device, a partition, an LVM
 * logical volume, and which of them are one and the same), and the image files of a storage pool, made and
 * changed with {@code qemu-img} run directly, its arguments as an argument vector, never through a shell.
 * A pool records each image's format when it makes or imports it and never probes one, since a guest owns
 * every byte of its raw disk and could write a header into it.
 *
 * <p>Knows nothing of domains or QEMU's command line; the lifecycle asks it before it gives a disk to a guest.
 */
package org.vmhost.storage;
