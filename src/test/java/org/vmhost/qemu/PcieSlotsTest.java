package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.vmhost.json.JsonCodec;
import org.vmhost.json.JsonValue;

/** Reading QEMU's answers about hot-plug slots, as QEMU 7.2 gave them for a microvm with pcie=on. */
class PcieSlotsTest {
    /** query-pci of a microvm with three root ports: xvdb in hp0, nothing in hp1, nic2 in hp2. */
    private static final String QUERY_PCI = """
            [{"bus": 0, "devices": [
              {"bus": 0, "slot": 0, "function": 0, "qdev_id": "", "class_info": {"class": 1536, "desc": "Host bridge"}},
              {"bus": 0, "slot": 1, "function": 0, "qdev_id": "hp0", "class_info": {"class": 1540},
               "pci_bridge": {"bus": {"number": 0, "secondary": 1, "subordinate": 1},
                 "devices": [{"bus": 1, "slot": 0, "function": 0, "qdev_id": "xvdb", "class_info": {"class": 256}}]}},
              {"bus": 0, "slot": 2, "function": 0, "qdev_id": "hp1", "class_info": {"class": 1540},
               "pci_bridge": {"bus": {"number": 0, "secondary": 2, "subordinate": 2}, "devices": []}},
              {"bus": 0, "slot": 3, "function": 0, "qdev_id": "hp2", "class_info": {"class": 1540},
               "pci_bridge": {"bus": {"number": 0, "secondary": 3, "subordinate": 3},
                 "devices": [{"bus": 3, "slot": 0, "function": 0, "qdev_id": "nic2", "class_info": {"class": 512}}]}}]}]
            """;

    @Test
    void theFreeSlotIsTheFirstEmptyRootPortAndADeviceIsFoundInItsSlot() throws Exception {
        PcieSlots slots = PcieSlots.of(JsonCodec.parse(QUERY_PCI));
        assertThat(slots.ports()).containsExactly("hp0", "hp1", "hp2");
        assertThat(slots.free()).contains("hp1");
        assertThat(slots.portOf("xvdb")).contains("hp0");
        assertThat(slots.portOf("nic2")).contains("hp2");
        assertThat(slots.portOf("xvda")).as("a boot-time virtio-mmio disk is in no slot").isEmpty();
    }

    @Test
    void whenEverySlotHoldsADeviceNoneIsFree() throws Exception {
        String full = QUERY_PCI.replace("\"devices\": []", "\"devices\": [{\"qdev_id\": \"xvdc\"}]");
        assertThat(PcieSlots.of(JsonCodec.parse(full)).free()).isEmpty();
        assertThat(PcieSlots.of(JsonCodec.parse("[{\"bus\": 0, \"devices\": []}]")).ports()).isEmpty();
    }

    @Test
    void theGuestHasTakenADeviceOnlyOnceItsDriverIsReady() throws Exception {
        JsonValue fresh = JsonCodec.parse("{\"name\": \"virtio-blk\", \"status\": {\"statuses\": []}}");
        JsonValue probing = JsonCodec.parse("{\"status\": {\"statuses\": [\"VIRTIO_CONFIG_S_ACKNOWLEDGE: Valid virtio device found\","
                + " \"VIRTIO_CONFIG_S_DRIVER: Guest OS compatible with device\"]}}");
        JsonValue ready = JsonCodec.parse("{\"status\": {\"statuses\": [\"VIRTIO_CONFIG_S_ACKNOWLEDGE: Valid virtio device found\","
                + " \"VIRTIO_CONFIG_S_DRIVER: Guest OS compatible with device\", \"VIRTIO_CONFIG_S_FEATURES_OK: Feature negotiation complete\","
                + " \"VIRTIO_CONFIG_S_DRIVER_OK: Driver setup and ready\"]}}");
        assertThat(PcieSlots.driverReady(fresh)).isFalse();
        assertThat(PcieSlots.driverReady(probing)).isFalse();
        assertThat(PcieSlots.driverReady(ready)).isTrue();
        assertThat(PcieSlots.virtioStatusArgs("nic3").toString()).isEqualTo("{\"path\":\"/machine/peripheral/nic3/virtio-backend\"}");
    }

    @Test
    void rootPortsAreDistinctSlots() {
        assertThat(PcieSlots.rootPort(0)).isEqualTo("pcie-root-port,id=hp0,chassis=1,slot=0");
        assertThat(PcieSlots.rootPort(3)).isEqualTo("pcie-root-port,id=hp3,chassis=4,slot=3");
    }
}
