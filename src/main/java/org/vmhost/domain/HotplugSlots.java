package org.vmhost.domain;

import java.time.Duration;
import java.time.Instant;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.qemu.PcieSlots;

/**
 * A running pv domain's PCIe hot-plug slots, as {@link DiskHotplug} and {@link VifHotplug} use them: a free
 * slot for a new device, whether the guest took it, whether a device sits in a slot (and so can be unplugged).
 * Called inside the domain's job; it asks QEMU every time and keeps nothing.
 */
final class HotplugSlots {
    /** How long an attach waits for the guest's driver to take a hot-plugged device (under TCG: about 1 s). */
    static final Duration TAKE_WAIT = Duration.ofSeconds(15);
    /** How long a detach waits for the guest to let a device go: Linux's pciehp waits 5 s for a cancel first. */
    static final Duration RELEASE_WAIT = Duration.ofSeconds(20);

    private final LocalDomainService service;

    HotplugSlots(LocalDomainService service) {
        this.service = service;
    }

    PcieSlots slots(Domain d, String verb) {
        PcieSlots[] slots = {null};
        service.qmp(d, verb, q -> slots[0] = PcieSlots.of(q.execute(PcieSlots.QUERY)));
        return slots[0];
    }

    /** A free slot, or a clear refusal: none configured, or all taken. */
    String requireFree(Domain d, String verb) {
        PcieSlots slots = slots(d, verb);
        if (slots.ports().isEmpty()) {
            throw new VmhostException(ErrorCode.INVALID_STATE, "cannot " + verb + " domain '" + d.name()
                    + "': it has no hot-plug slots (hotplug_slots = 0 in its config when it started)");
        }
        return slots.free().orElseThrow(() -> new VmhostException(ErrorCode.RESOURCE_BUSY, "cannot " + verb + " domain '"
                + d.name() + "': all its " + slots.ports().size() + " hot-plug slots are taken (by "
                + String.join(", ", slots.occupants().values()) + "); detach one, or raise hotplug_slots in its "
                + "config (counted at its next start)"));
    }

    /** Whether a device sits in a hot-plug slot, rather than on virtio-mmio where it was at boot. */
    boolean inSlot(Domain d, String deviceId, String verb) {
        return slots(d, verb).portOf(deviceId).isPresent();
    }

    /**
     * Waits until the guest's driver has taken a device just plugged into a slot. When it does not in time (a
     * kernel without PCIe hot-plug, or without virtio_pci), the device is taken out again (such a guest never
     * enabled the slot, so QEMU removes it at once) and the attach fails, saying so: never a hang.
     */
    void awaitTaken(Domain d, String deviceId, String verb) {
        Instant deadline = Instant.now().plus(TAKE_WAIT);
        while (true) {
            boolean[] ready = {false};
            service.qmp(d, verb, q -> ready[0] = PcieSlots.driverReady(q.execute(PcieSlots.VIRTIO_STATUS,
                    PcieSlots.virtioStatusArgs(deviceId))));
            if (ready[0]) return;
            if (Instant.now().isAfter(deadline)) break;
            LocalDomainService.sleep(Duration.ofMillis(200));
        }
        String left = "it was taken out again";
        try {
            service.qmp(d, verb, q -> q.deviceDel(deviceId));
            if (!awaitGone(d, deviceId, Duration.ofSeconds(5), verb)) left = "QEMU still holds it in its slot";
        } catch (VmhostException e) {
            left = "taking it out failed: " + e.getMessage();
        }
        throw new VmhostException(ErrorCode.TIMEOUT, "cannot " + verb + " domain '" + d.name() + "': the guest did not take "
                + "the device within " + TAKE_WAIT.toSeconds() + " s (its kernel needs PCIe hot-plug, "
                + "CONFIG_HOTPLUG_PCI_PCIE, with pcie_ports=native, and the virtio_pci driver); " + left);
    }

    /** Polls QEMU until a device is gone; false if it is still there at the end. */
    boolean awaitGone(Domain d, String deviceId, Duration wait, String verb) {
        Instant deadline = Instant.now().plus(wait);
        while (true) {
            boolean[] present = {false};
            service.qmp(d, verb, q -> present[0] = q.peripherals().contains(deviceId));
            if (!present[0]) return true;
            if (Instant.now().isAfter(deadline)) return false;
            LocalDomainService.sleep(Duration.ofMillis(200));
        }
    }
}
