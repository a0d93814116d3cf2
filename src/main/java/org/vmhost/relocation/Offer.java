package org.vmhost.relocation;

import java.util.List;
import java.util.Objects;

/**
 * What a source xend tells the destination about a domain it wants to move, for the destination's checks and
 * its start.
 *
 * @param name        the domain's name
 * @param uuid        its UUID
 * @param configText  its definition, in the xm format
 * @param managed     whether it is a managed domain (its definition moves with it)
 * @param memoryMib   the memory it has
 * @param accelerator the source's accelerator kind (tcg or kvm)
 * @param cpuModel    the CPU model it runs with
 * @param copyStorage whether local disks are copied
 * @param disks       its disks that are files or devices
 * @param source      the source host's name, for the destination's log
 */
public record Offer(String name, String uuid, String configText, boolean managed, long memoryMib, String accelerator,
                    String cpuModel, boolean copyStorage, List<Disk> disks, String source) {
    public Offer {
        Objects.requireNonNull(name);
        Objects.requireNonNull(uuid);
        Objects.requireNonNull(configText);
        Objects.requireNonNull(accelerator);
        Objects.requireNonNull(cpuModel);
        disks = List.copyOf(disks);
        Objects.requireNonNull(source);
    }

    /**
     * One disk.
     *
     * @param vdev   its device name in the guest
     * @param path   its file or device on the source
     * @param format raw or qcow2 ...
     * @param bytes  its virtual size
     * @param probe  a file the source wrote beside it, and {@code nonce} its content: the destination reads the
     *               same nonce there only if it sees the same storage
     */
    public record Disk(String vdev, String path, String format, long bytes, String probe, String nonce) {
        public Disk {
            Objects.requireNonNull(vdev);
            Objects.requireNonNull(path);
            Objects.requireNonNull(format);
            Objects.requireNonNull(probe);
            Objects.requireNonNull(nonce);
        }
    }
}
