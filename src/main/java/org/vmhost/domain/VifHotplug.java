package org.vmhost.domain;

import org.vmhost.error.VmhostException;
import org.vmhost.error.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import org.vmhost.config.VifConfig;
import org.vmhost.domain.Transitions.Operation;
import org.vmhost.network.HostNetwork;
import org.vmhost.network.Vif;
import org.vmhost.qemu.NicAttachment;
import org.vmhost.qemu.NicHotplug;
import org.vmhost.qemu.qmp.QmpException;

/**
 * Hot-plug of a running domain's NICs (xm network-attach, network-detach, network-list): the host side
 * through {@link HostNetwork}, the guest side through QMP, inside the domain's job. An hvm domain's NIC goes
 * on its PCI bus; a pv domain's into a free PCIe hot-plug slot ({@link HotplugSlots}).
 */
final class VifHotplug {
    private static final Logger LOG = LocalDomainService.LOG;

    private final LocalDomainService service;
    private final HostNetwork network;
    private final HotplugSlots slots;

    VifHotplug(LocalDomainService service, HostNetwork network) {
        this.service = service;
        this.network = network;
        this.slots = new HotplugSlots(service);
    }

    List<Vif> listVifs(String ref) {
        return service.require(ref, "list the vifs of").vifs;
    }

    Vif attachVif(String ref, VifConfig request) {
        Domain d = service.require(ref, "attach a NIC to");
        return d.runJob("network-attach", () -> {
            Transitions.requireAllowed(d.name(), Operation.HOTPLUG, d.state());
            if (d.runtime == null) throw new VmhostException(ErrorCode.INVALID_STATE, "cannot attach a NIC to domain '" + d.name() + "': it is not running");
            boolean pv = d.config().type() == org.vmhost.config.DomainType.PV;
            String model = LocalDomainService.nicModel(d.config(), request);
            int devid = d.vifs.stream().mapToInt(Vif::devid).max().orElse(-1) + 1;
            // A pv domain's NIC is virtio, in a free PCIe hot-plug slot: refused before the tap is made otherwise.
            if (pv && !model.toLowerCase(java.util.Locale.ROOT).startsWith("virtio")) {
                throw new VmhostException(ErrorCode.BAD_REQUEST, "cannot attach a NIC to domain '" + d.name()
                        + "': a pv domain has virtio NICs only, not '" + model + "'");
            }
            String slot = pv ? slots.requireFree(d, "attach a NIC to") : null;
            java.util.Map<String, Object> device;
            Vif vif = HostNetwork.userMode(request.type()) ? network.plugUserMode(devid, request.mac(), request.bridge(), request.vifname(), model, request.rate())
                    : network.plug(d.name(), d.domid().orElseThrow(), devid, request.mac(), request.bridge(), request.vifname(),
                    model, request.rate());
            NicAttachment nic = LocalDomainService.nics(List.of(vif)).get(0);
            try {
                device = pv ? NicHotplug.pvDevice(model, devid, nic, slot) : NicHotplug.device(model, devid, nic);
            } catch (IllegalArgumentException e) {
                network.unplug(vif);
                throw new VmhostException(ErrorCode.BAD_REQUEST, "cannot attach a NIC to domain '" + d.name() + "': " + e.getMessage());
            }
            try {
                service.qmp(d, "attach a NIC to", q -> q.netdevAdd(NicHotplug.netdev(devid, nic)));
                try {
                    service.qmp(d, "attach a NIC to", q -> q.deviceAdd(device));
                    if (pv) slots.awaitTaken(d, NicHotplug.deviceId(devid), "attach a NIC to");
                } catch (RuntimeException e) {
                    dropNetdev(d, NicHotplug.netdevId(devid));
                    throw e;
                }
            } catch (RuntimeException e) {
                network.unplug(vif);
                throw e;
            }
            List<Vif> vifs = new ArrayList<>(d.vifs);
            vifs.add(vif);
            d.vifs = List.copyOf(vifs);
            service.saveStatus(d);
            if (d.managed) {
                // Kept for the next start, as xm network-attach did: after the vifs the config already has.
                List<VifConfig> kept = new ArrayList<>(d.config().vifs());
                kept.add(LocalDomainService.withMac(request, vif.mac()));
                service.redefineVifs(d, kept);
            }
            service.event(d, "network-attach", "NIC " + devid + " attached" + service.describeVifs(List.of(vif)).replaceFirst("; vifs:", ":"));
            return vif;
        });
    }

    void detachVif(String ref, String device, boolean force) {
        Domain d = service.require(ref, "detach a NIC from");
        d.runJob("network-detach", () -> {
            Transitions.requireAllowed(d.name(), Operation.HOTPLUG, d.state());
            String key = device.strip().toLowerCase(java.util.Locale.ROOT);
            Vif vif = d.vifs.stream().filter(v -> key.equals(Integer.toString(v.devid())) || key.equals(v.mac()))
                    .findFirst().orElseThrow(() -> new VmhostException(ErrorCode.NO_SUCH_DEVICE,
                            "domain '" + d.name() + "' has no vif '" + device + "' (give its devid or MAC, see xm network-list)"));
            boolean hvm = d.config().type() == org.vmhost.config.DomainType.HVM;
            String id = NicHotplug.deviceId(vif.devid());
            // A pv domain's NIC can leave the guest only from a hot-plug slot; those it booted with are on virtio-mmio.
            boolean unpluggable = hvm || (d.runtime != null && slots.inSlot(d, id, "detach a NIC from"));
            if (!unpluggable && !force) {
                throw new VmhostException(ErrorCode.INVALID_STATE, "cannot detach vif " + vif.devid() + " from domain '"
                        + d.name() + "': it was there at boot, on the pv domain's virtio-mmio, which has no hot-unplug "
                        + "(only NICs hot-plugged since can go; -f cuts this one off from the host)");
            }
            if (unpluggable) {
                try {
                    service.qmp(d, "detach a NIC from", q -> q.deviceDel(id));
                    awaitDeviceGone(d, id, hvm ? Duration.ofSeconds(10) : HotplugSlots.RELEASE_WAIT);
                } catch (VmhostException e) {
                    if (!force) throw e;
                    LOG.warning("domain '" + d.name() + "': " + e.getMessage() + "; forced, cutting the NIC off");
                }
            }
            dropNetdev(d, NicHotplug.netdevId(vif.devid()));
            network.unplug(vif);
            d.vifs = d.vifs.stream().filter(v -> v != vif).toList();
            service.saveStatus(d);
            if (d.managed && d.config().vifs().stream().anyMatch(v -> v.mac().equals(Optional.of(vif.mac())))) {
                service.redefineVifs(d, d.config().vifs().stream().filter(v -> !v.mac().equals(Optional.of(vif.mac()))).toList());
            }
            service.event(d, "network-detach", "NIC " + vif.devid() + " (" + vif.mac() + ") detached" + (force ? " by force" : ""));
        });
    }

    /** Waits, inside the job, until QEMU no longer has a device: the guest has released it. */
    private void awaitDeviceGone(Domain d, String id, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            boolean present;
            try {
                present = d.runtime.qmp().peripherals().contains(id);
            } catch (QmpException e) {
                throw new VmhostException(ErrorCode.QEMU_FAILED, "cannot detach a NIC from domain '" + d.name() + "': " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VmhostException(ErrorCode.INTERNAL, "interrupted");
            }
            if (!present) return;
            if (Instant.now().isAfter(deadline)) {
                throw new VmhostException(ErrorCode.TIMEOUT, "domain '" + d.name() + "' did not release " + id + " within "
                        + timeout.toSeconds() + " s (xm network-detach -f cuts it off anyway)");
            }
            LocalDomainService.sleep(Duration.ofMillis(200));
        }
    }

    /** Removes a NIC's host-side backend; a failure only matters to the log (undoing a half-made device). */
    private void dropNetdev(Domain d, String id) {
        try {
            service.qmp(d, "remove the network backend of", q -> q.netdevDel(id));
        } catch (VmhostException e) {
            LOG.warning("domain '" + d.name() + "': removing network backend " + id + ": " + e.getMessage());
        }
    }
}
