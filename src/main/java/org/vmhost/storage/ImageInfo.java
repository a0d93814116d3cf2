package org.vmhost.storage;

import java.util.Objects;
import java.util.Optional;

/**
 * One image file of a storage pool: its format as the pool recorded it, its sizes and backing file as
 * {@code qemu-img info} read them with that format.
 *
 * @param name        its file name in the pool
 * @param path        its absolute path, as a disk's target names it
 * @param format      {@code raw}, {@code qcow2} …: the pool's record, or raw for an image it has no record of
 * @param virtualSize what the guest sees, in bytes
 * @param actualSize  what it takes on the host's disk, in bytes (less than the virtual size when sparse)
 * @param backingFile for a linked clone, the image it reads what it has not written itself from
 * @param recorded    whether the pool recorded the format (it made or imported the image); an image found in
 *                    the pool without a record is taken as raw and never probed
 */
public record ImageInfo(String name, String path, String format, long virtualSize, long actualSize,
                        Optional<String> backingFile, boolean recorded) {
    public ImageInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(backingFile, "backingFile");
    }

    /** An image whose format the pool recorded. */
    public ImageInfo(String name, String path, String format, long virtualSize, long actualSize, Optional<String> backingFile) {
        this(name, path, format, virtualSize, actualSize, backingFile, true);
    }
}
