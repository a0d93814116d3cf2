package org.vmhost.storage;

import java.util.Objects;

/**
 * One storage pool xend keeps images in.
 *
 * @param path the pool's directory, as the image calls take it
 * @param own  xend's own pool ({@code $VMHOST_HOME/images}) rather than one xend.conf's {@code image_pools} names
 */
public record PoolInfo(String path, boolean own) {
    public PoolInfo {
        Objects.requireNonNull(path, "path");
    }
}
