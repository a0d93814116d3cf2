package org.vmhost.storage;

import java.util.Objects;
import java.util.Optional;

/**
 * One image file of a storage pool, as {@code qemu-img info} tells it.
 *
 * @param name        its file name in the pool
 * @param path        its absolute path, as a disk's target names it
 * @param format      {@code raw}, {@code qcow2} …
 * @param virtualSize what the guest sees, in bytes
 * @param actualSize  what it takes on the host's disk, in bytes (less than the virtual size when sparse)
 * @param backingFile for a linked clone, the image it reads what it has not written itself from
 */
public record ImageInfo(String name, String path, String format, long virtualSize, long actualSize,
                        Optional<String> backingFile) {
    public ImageInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(backingFile, "backingFile");
    }
}
