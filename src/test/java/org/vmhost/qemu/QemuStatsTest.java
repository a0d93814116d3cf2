package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QemuStatsTest {
    @Test
    void aDiskIsNamedByItsDeviceId() {
        assertThat(QemuStats.deviceName("/machine/peripheral/xvda/virtio-backend", "")).isEqualTo("xvda");
        assertThat(QemuStats.deviceName("hda", "")).isEqualTo("hda");
        assertThat(QemuStats.deviceName("", "drive-xvdb")).isEqualTo("xvdb");
        assertThat(QemuStats.deviceName("/machine/unattached/device[3]", "")).isEmpty();
    }
}
