package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmhost.config.DiskAccess;
import org.vmhost.config.DiskBackend;
import org.vmhost.config.DiskConfig;
import org.vmhost.config.DiskFormat;
import org.vmhost.config.DomainType;

class QemuBlockDevicesTest {

    private static DiskConfig disk(String vdev, String target, DiskBackend backend, DiskFormat format, DiskAccess access) {
        return new DiskConfig(vdev, Optional.of(target), backend, format, access, false);
    }

    @Test
    void aPathWithCommasAndColonsStaysOneJsonValueAndIsNeverReadAsAProtocol() {
        DiskConfig d = disk("xvdb", "/img/nbd:x,driver=raw.qcow2", DiskBackend.FILE, DiskFormat.QCOW2, DiskAccess.READ_WRITE);
        assertThat(QemuBlockDevices.blockdevAdd(d).toString()).isEqualTo("{\"node-name\":\"drive-xvdb\",\"driver\":\"qcow2\","
                + "\"read-only\":false,\"cache\":{\"direct\":true},\"file\":{\"driver\":\"file\","
                + "\"filename\":\"/img/nbd:x,driver=raw.qcow2\",\"aio\":\"threads\",\"cache\":{\"direct\":true}}}");
    }

    @Test
    void aBlockDeviceOpensAsHostDeviceAndReadOnlyStaysReadOnly() {
        DiskConfig d = disk("sdb", "/dev/loop3", DiskBackend.PHY, DiskFormat.RAW, DiskAccess.READ_ONLY);
        assertThat(QemuBlockDevices.blockdevAdd(d).path("read-only").asBoolean()).isTrue();
        assertThat(QemuBlockDevices.blockdevAdd(d).path("file").path("driver").asText()).isEqualTo("host_device");
    }

    @Test
    void devicesGoOnTheBusTheirVdevNamesWithTheCommandLinesIds() {
        DiskConfig xvd = disk("xvdc", "/a", DiskBackend.FILE, DiskFormat.RAW, DiskAccess.SHARED_WRITE);
        assertThat(QemuBlockDevices.deviceAdd(DomainType.HVM, xvd, java.util.Optional.empty()).toString())
                .isEqualTo("{\"driver\":\"virtio-blk-pci\",\"drive\":\"drive-xvdc\",\"id\":\"xvdc\",\"share-rw\":true}");
        // A pv domain's virtio disk goes into the hot-plug slot it was given.
        assertThat(QemuBlockDevices.needsSlot(DomainType.PV, xvd)).isTrue();
        assertThat(QemuBlockDevices.deviceAdd(DomainType.PV, xvd, java.util.Optional.of("hp2")).toString())
                .isEqualTo("{\"driver\":\"virtio-blk-pci\",\"bus\":\"hp2\",\"drive\":\"drive-xvdc\",\"id\":\"xvdc\",\"share-rw\":true}");
        DiskConfig sd = disk("sdc", "/a", DiskBackend.FILE, DiskFormat.RAW, DiskAccess.READ_WRITE);
        assertThat(QemuBlockDevices.needsSlot(DomainType.PV, sd)).isFalse();
        assertThat(QemuBlockDevices.deviceAdd(DomainType.PV, sd, java.util.Optional.empty()).toString()).isEqualTo("{\"driver\":\"scsi-hd\","
                + "\"bus\":\"scsi0.0\",\"channel\":0,\"scsi-id\":2,\"lun\":0,\"drive\":\"drive-sdc\",\"id\":\"sdc\"}");
    }

    @Test
    void whatCannotBeHotPluggedIsRefusedWithTheReason() {
        DiskConfig hd = disk("hdb", "/a", DiskBackend.FILE, DiskFormat.RAW, DiskAccess.READ_WRITE);
        DiskConfig xvd = disk("xvdb", "/a", DiskBackend.FILE, DiskFormat.RAW, DiskAccess.READ_WRITE);
        DiskConfig sd = disk("sdb", "/a", DiskBackend.FILE, DiskFormat.RAW, DiskAccess.READ_WRITE);
        assertThat(QemuBlockDevices.refusal(DomainType.HVM, hd, true)).hasValueSatisfying(r -> assertThat(r).contains("IDE"));
        assertThat(QemuBlockDevices.refusal(DomainType.PV, xvd, false)).isEmpty();
        assertThat(QemuBlockDevices.refusal(DomainType.PV, sd, false)).hasValueSatisfying(r -> assertThat(r).contains("CD-ROM drive"));
        assertThat(QemuBlockDevices.refusal(DomainType.PV, sd, true)).isEmpty();
        assertThat(QemuBlockDevices.refusal(DomainType.HVM, xvd, false)).isEmpty();
        assertThat(QemuBlockDevices.refusal(DomainType.HVM, sd, false)).isEmpty();
    }

    @Test
    void anNbdExportIsPluggedAsTheNbdDriversOwnFieldsNeverAsAUrl() {
        DiskConfig d = disk("sdb", "nbd://[::1]:10810/a%2Cb", DiskBackend.NBD, DiskFormat.RAW, DiskAccess.READ_ONLY);
        assertThat(QemuBlockDevices.blockdevAdd(d).toString()).isEqualTo("{\"node-name\":\"drive-sdb\",\"driver\":\"raw\","
                + "\"read-only\":true,\"cache\":{\"direct\":true},\"file\":{\"driver\":\"nbd\","
                + "\"server\":{\"type\":\"inet\",\"host\":\"::1\",\"port\":\"10810\"},\"export\":\"a,b\","
                + "\"cache\":{\"direct\":true}}}");
    }

    @Test
    void aHotPluggedDiskStatesItsFormatRawUnlessTheConfigSaysOtherwise() {
        assertThat(QemuBlockDevices.blockdevAdd(disk("sdb", "/i/a.qcow2", DiskBackend.FILE, DiskFormat.RAW, DiskAccess.READ_WRITE))
                .path("driver").asText()).isEqualTo("raw");
        assertThat(QemuBlockDevices.blockdevAdd(disk("sdb", "/dev/loop7", DiskBackend.PHY, DiskFormat.RAW, DiskAccess.READ_WRITE))
                .path("driver").asText()).isEqualTo("raw");
        assertThat(QemuBlockDevices.blockdevAdd(disk("sdb", "/i/b", DiskBackend.FILE, DiskFormat.QCOW2, DiskAccess.READ_WRITE))
                .path("driver").asText()).isEqualTo("qcow2");
        assertThat(QemuBlockDevices.mediumAdd(disk("sdc", "/i/x.iso", DiskBackend.FILE, DiskFormat.RAW, DiskAccess.READ_ONLY),
                disk("sdc", "/i/x.iso", DiskBackend.FILE, DiskFormat.RAW, DiskAccess.READ_ONLY)).path("driver").asText()).isEqualTo("raw");
    }
}
