package org.vmhost.domain;

import org.vmhost.event.DomainEvent;
import org.vmhost.error.VmhostException;
import java.time.Duration;
import java.util.List;
import org.vmhost.config.VifConfig;
import org.vmhost.network.NetworkConfig;
import org.vmhost.network.NetworkInfo;
import org.vmhost.network.Vif;

/**
 * vmhost's whole API: one method per xm subcommand, implemented once by xend and once, over HTTP, by
 * the client that xm uses. A domain is addressed by name, id or UUID everywhere ({@code ref}).
 * Failures are {@link VmhostException}s.
 */
public interface DomainService {

    /** {@code xm list}: Domain-0 first, then every domain, running or defined. */
    List<DomainInfo> list();

    /** One domain by name, id or UUID. */
    DomainInfo get(String ref);

    /** {@code xm create}: starts a transient domain, forgotten once it stops. */
    DomainInfo create(DomainRequest request, boolean paused);

    /** {@code xm new}: defines a managed domain without starting it. */
    DomainInfo define(DomainRequest request);

    /** {@code xm start}: starts a managed domain. */
    DomainInfo start(String ref, boolean paused);

    /** {@code xm delete}: removes a managed domain's definition; it must not be running. */
    void delete(String ref);

    /**
     * {@code xm delete}, and with {@code withImages} the image files of the disks it writes too (not CD-ROMs, not disks it only
     * reads): only
     * images of xend's storage pools, none another domain has as a disk, none a linked clone reads from; any such
     * disk refuses the whole delete before anything changes.
     */
    void delete(String ref, boolean withImages);

    /** A managed domain's configuration as xm text, passwords masked; for a running one, what its next boot takes. */
    ConfigTextInfo configText(String ref);

    /**
     * Replaces a managed domain's definition with edited xm text (errors name its line; the old definition then
     * stays). A password still shown as XXXXXXXX keeps its stored value. A running domain keeps running as it was
     * started, and boots with the new definition next.
     */
    ConfigTextInfo redefine(String ref, DomainRequest request);

    /** The storage pools: xend's own, then those xend.conf's {@code image_pools} names. */
    List<org.vmhost.storage.PoolInfo> listPools();

    /**
     * {@code xm shutdown}: presses the ACPI power button. With a wait, returns once the domain has stopped,
     * or fails with TIMEOUT after {@code wait}.
     */
    DomainInfo shutdown(String ref, Duration wait);

    /** {@code xm destroy}: stops the domain at once, as pulling the plug. */
    DomainInfo destroy(String ref);

    /** {@code xm reboot}: asks the guest to reboot (power button with on_reboot semantics). */
    DomainInfo reboot(String ref, Duration wait);

    /** {@code xm reset}: a hard reset, as the reset button. */
    DomainInfo reset(String ref);

    /** {@code xm pause}. */
    DomainInfo pause(String ref);

    /** {@code xm unpause}. */
    DomainInfo unpause(String ref);

    /** {@code xm rename}. */
    DomainInfo rename(String ref, String newName);

    /**
     * {@code xm migrate}: moves a running domain to another xend's relocation server. On success it runs there
     * (with its definition, if managed) and is gone from here; on any failure it still runs here.
     */
    void migrate(String ref, MigrationRequest request);

    /**
     * {@code xm console}: where to reach a running domain's serial console, a UNIX socket on this host that
     * carries the console's bytes both ways, history first.
     */
    ConsoleEndpoint console(String ref);

    /**
     * The graphical console: a UNIX socket on this host, open to its owner only, where a VNC client finds the
     * running domain's display with no password asked (xend answers QEMU's, so the vncpasswd never leaves it).
     */
    ConsoleEndpoint vnc(String ref);

    /** {@code xm block-list}: a domain's virtual disks, with Xen's device numbers, in config order. */
    List<BlockDeviceInfo> listBlockDevices(String ref);

    /**
     * {@code xm block-attach}: gives a disk to a domain, hot-plugged into a running one and kept in its
     * configuration. Refused when another running domain has the disk writable (unless both say w!).
     */
    BlockDeviceInfo attachBlockDevice(String ref, BlockDeviceRequest request);

    /**
     * {@code xm block-detach}: takes a disk, by vdev or device number, out of a domain and its configuration.
     * A running guest must release it; {@code force} drops it from the configuration even when it does not.
     */
    void detachBlockDevice(String ref, String device, boolean force);

    /**
     * {@code xm block-configure}: puts a medium into a CD-ROM drive, or ejects it (an empty backend), while the
     * domain runs or not; kept in its configuration.
     */
    BlockDeviceInfo configureBlockDevice(String ref, BlockDeviceRequest request);

    /**
     * {@code xm image-list}: the images of a storage pool, a directory: xend's own ({@code $VMHOST_HOME/images})
     * when {@code pool} is empty, else one named in xend.conf's {@code image_pools}; any other is refused. Each image
     * has the format its pool recorded, or raw when the pool has no record of it (never a probed one). The image
     * calls below take the pool alike.
     */
    List<org.vmhost.storage.ImageInfo> listImages(String pool);

    /** {@code xm image-info}: an image's format, sizes and backing file. */
    org.vmhost.storage.ImageInfo imageInfo(String pool, String name);

    /** {@code xm image-create}: a new empty image, raw (sparse) or qcow2, of {@code bytes}. */
    org.vmhost.storage.ImageInfo createImage(String pool, String name, String format, long bytes);

    /**
     * {@code xm image-import}: records the format of an image file an administrator put into the pool; until then
     * it is raw. A qcow2 one must keep its backing chain inside the pool.
     */
    org.vmhost.storage.ImageInfo importImage(String pool, String name, String format);

    /**
     * {@code xm image-clone}: a copy of {@code source}, an image of the pool: full, or linked (a qcow2 over the
     * source as its backing file, which can then not be deleted while the clone exists).
     */
    org.vmhost.storage.ImageInfo cloneImage(String pool, String source, String name, boolean linked);

    /**
     * {@code xm image-resize}: to {@code bytes}; an image a running domain has open grows through its QEMU
     * (the guest sees the new size), and shrinks (with {@code shrink}) only while no domain runs on it.
     */
    org.vmhost.storage.ImageInfo resizeImage(String pool, String name, long bytes, boolean shrink);

    /** {@code xm image-delete}: refused while a running domain has the image or a linked clone reads from it. */
    void deleteImage(String pool, String name);

    /** {@code xm info}. */
    HostInfo hostInfo();

    /** {@code xm log}: the newest events, oldest first. */
    List<DomainEvent> events(int limit);

    /**
     * Waits until xend logs an event or a domain changes state after the {@code seen}-th such change (a number this
     * method answered before; start with 0) or {@code timeout} passes, and answers the number to pass next: a larger
     * one means something changed, read {@link #events} and {@link #list}. This default cannot be woken: it waits half a second at most and says "maybe", a poll.
     */
    default long awaitEvents(long seen, java.time.Duration timeout) throws InterruptedException {
        Thread.sleep(java.time.Duration.ofMillis(Math.min(timeout.toMillis(), 500)));
        return seen + 1;
    }

    /**
     * {@code xm dmesg}: the newest lines of xend's own log, oldest first: what the "hypervisor" layer said,
     * from the accelerator probe to each QEMU started and stopped.
     */
    List<String> dmesg(int lines);

    // ---- networks and vifs (the network package) ----

    /** {@code xm net-list}: the networks xend keeps. */
    List<NetworkInfo> listNetworks();

    /** {@code xm net-create}: makes a bridged, nat or isolated network on the host and keeps it. */
    NetworkInfo createNetwork(NetworkConfig config);

    /** {@code xm net-delete}: removes a network; refused while a vif is on its bridge. */
    void deleteNetwork(String name);

    /** {@code xm network-list}: a running domain's vifs, with their taps and MACs. */
    List<Vif> listVifs(String ref);

    /** {@code xm network-attach}: hot-plugs a NIC into a running domain (pv: into a free hot-plug slot). */
    Vif attachVif(String ref, VifConfig vif);

    /**
     * {@code xm network-detach}: unplugs a NIC, named by devid or MAC. The guest is asked to release it;
     * with {@code force} the NIC is cut off from the host even if the guest does not answer.
     */
    void detachVif(String ref, String device, boolean force);

    // ---- statistics (the monitor package) ----

    /** {@code xm top}: the host's and every running domain's figures now. */
    org.vmhost.monitor.StatsReport stats();

    /**
     * The history of one series of a domain, or of the host for Domain-0, between two instants at a resolution
     * (5s, 1m, 1h, 1d; empty: the finest that reaches back to {@code from}).
     */
    org.vmhost.monitor.SeriesHistory history(String ref, String metric, java.time.Instant from, java.time.Instant to,
                                             String resolution);

    /** {@code xm vcpu-list}: the vCPUs of a running domain, or of every running domain when {@code ref} is empty. */
    List<org.vmhost.resources.VcpuInfo> listVcpus(String ref);

    /**
     * {@code xm vcpu-pin}: vCPU {@code vcpu} (a number or "all") of a running domain may run only on the host CPUs
     * {@code cpus} (Xen's syntax, "0-3,5,^1", or "all").
     */
    void pinVcpu(String ref, String vcpu, String cpus);

    /**
     * {@code xm sched-credit}: how the credit scheduler is applied here, and the weight and cap of one domain, or
     * of every running one when {@code ref} is empty.
     */
    org.vmhost.resources.SchedulerInfo schedCredit(String ref);

    /**
     * {@code xm sched-credit -d DOM -w WEIGHT -c CAP}: a running domain's weight (1–65535) and cap (percent of one
     * CPU, 0 for none, at most 100 per vCPU); a null leaves that one unchanged.
     */
    org.vmhost.resources.SchedCredit setSchedCredit(String ref, Integer weight, Integer cap);

    /**
     * {@code xm mem-set}: a running domain's memory target in MiB, through its balloon; the guest gives memory back
     * (or takes it again) in its own time. At most its maxmem (which its QEMU was started with).
     */
    DomainInfo setMemory(String ref, int mib);

    /**
     * {@code xm mem-max}: a domain's maxmem in MiB, kept in its configuration: not below the memory it has now; while
     * it runs, at most the RAM it was started with.
     */
    DomainInfo setMaxMemory(String ref, int mib);

    /**
     * {@code xm vcpu-set}: a running hvm domain's vCPUs, hot-plugged or ejected, from 1 to its maxvcpus; a stopped
     * domain's {@code vcpus} in its configuration.
     */
    DomainInfo setVcpus(String ref, int count);

    // ---- save, restore and snapshots ----

    /**
     * {@code xm save}: writes a running or paused domain's memory and device state, with its configuration, to
     * {@code file} (an absolute path on xend's host, written whole or not at all); the domain then ends, or with
     * {@code checkpoint} ({@code -c}) runs on.
     */
    void save(String ref, String file, boolean checkpoint);

    /**
     * {@code xm restore}: brings back the domain saved in {@code file}, with its name, UUID, MACs and disks; paused
     * with {@code paused}. Refused when the file is not a whole save file of this host's QEMU, a disk is missing, or
     * the name or UUID belongs to another domain.
     */
    DomainInfo restore(String file, boolean paused);

    /** {@code xm snapshot-list}: a domain's snapshots, oldest first. */
    List<SnapshotInfo> listSnapshots(String ref);

    /**
     * {@code xm snapshot-create}: a snapshot named {@code name} of every writable disk (all qcow2), and unless
     * {@code diskOnly} of the running guest's memory and device state.
     */
    SnapshotInfo createSnapshot(String ref, String name, boolean diskOnly);

    /**
     * {@code xm snapshot-apply}: returns the disks, and for a full snapshot the running guest, to the snapshot. A
     * disk-only snapshot is applied to a shut-off domain only.
     */
    DomainInfo applySnapshot(String ref, String name);

    /** {@code xm snapshot-delete}. */
    void deleteSnapshot(String ref, String name);

    /**
     * Starts what should run with xend: configs in its {@code auto/} directory, and managed domains marked so
     * ({@code xm xendomains start} asks for it after restoring the saved domains).
     */
    void autostart();
}
