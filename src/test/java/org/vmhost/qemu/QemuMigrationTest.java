package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.qemu.qmp.FakeQmpServer;
import org.vmhost.qemu.qmp.FakeQmpServer.Command;
import org.vmhost.qemu.qmp.QmpClient;

/** The devices a save or a migration must refuse: those QEMU says were hot-plugged, named as xm names them. */
class QemuMigrationTest {
    @TempDir
    Path dir;

    @Test
    void hotpluggedDevicesAreTheOnesQomSaysWereAddedNamedAsXmNamesThem() throws Exception {
        Map<String, Boolean> hotplugged = Map.of("xvda", false, "hp0", false, "xvdb", true, "nic1", true, "vcpu1", true,
                "scsi0", true);
        try (FakeQmpServer qemu = FakeQmpServer.start(dir, peer -> {
            peer.handshake();
            Command list = peer.receive("qom-list");
            assertThat(list.arguments().path("path").asText()).isEqualTo("/machine/peripheral");
            peer.reply(list, List.of(Map.of("name", "type", "type", "string"),
                    Map.of("name", "xvda", "type", "child<virtio-blk-device>"),
                    Map.of("name", "hp0", "type", "child<pcie-root-port>"),
                    Map.of("name", "xvdb", "type", "child<virtio-blk-pci>"),
                    Map.of("name", "nic1", "type", "child<virtio-net-pci>"),
                    Map.of("name", "vcpu1", "type", "child<qemu64-x86_64-cpu>"),
                    Map.of("name", "scsi0", "type", "child<virtio-scsi-pci>")));
            for (int i = 0; i < 6; i++) {
                Command get = peer.receive("qom-get");
                assertThat(get.arguments().path("property").asText()).isEqualTo("hotplugged");
                String id = get.arguments().path("path").asText().replace("/machine/peripheral/", "");
                peer.reply(get, hotplugged.get(id));
            }
        }); QmpClient qmp = QmpClient.connect(qemu.socket(), Duration.ofSeconds(3))) {
            assertThat(QemuMigration.hotplugged(qmp)).containsExactly("disk xvdb", "vif 1", "vCPU 1", "the SCSI controller");
            qemu.await();
        }
    }
}
