package org.vmhost.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DiskSpecTest {

    private final List<String> warnings = new ArrayList<>();

    private DiskConfig parse(String spec) throws ConfigValueException {
        return DiskSpec.parse(spec, warnings::add);
    }

    private static DiskConfig disk(String vdev, String target, DiskBackend backend, DiskFormat format, DiskAccess access,
                                   boolean cdrom) {
        return new DiskConfig(vdev, Optional.ofNullable(target), backend, format, access, cdrom);
    }

    @ParameterizedTest
    @CsvSource({
            "'phy:/dev/vg/web1,xvda,w',             xvda, /dev/vg/web1,       PHY,  RAW,   READ_WRITE,   false",
            "'phy:hda1,hda1,r',                     hda1, /dev/hda1,          PHY,  RAW,   READ_ONLY,    false",
            "'file:/img/a.raw,hda,w',               hda,  /img/a.raw,         FILE, RAW,   READ_WRITE,   false",
            "'tap:aio:/img/a.raw,xvda,w',           xvda, /img/a.raw,         FILE, RAW,   READ_WRITE,   false",
            "'tap:qcow2:/img/a.qcow2,xvda,w',       xvda, /img/a.qcow2,       FILE, QCOW2, READ_WRITE,   false",
            "'tap:vhd:/img/a.vhd,sda,r',            sda,  /img/a.vhd,         FILE, VHD,   READ_ONLY,    false",
            "'phy:/dev/vg/shared,sdb1,w!',          sdb1, /dev/vg/shared,     PHY,  RAW,   SHARED_WRITE, false",
            "'file:/iso/x.iso,hdc:cdrom,r',         hdc,  /iso/x.iso,         FILE, RAW,   READ_ONLY,    true",
            "'file:/img/w.img,ioemu:hda,w',         hda,  /img/w.img,         FILE, RAW,   READ_WRITE,   false",
            "'phy:/dev/vg/ubuntu,xvda,rw',          xvda, /dev/vg/ubuntu,     PHY,  RAW,   READ_WRITE,   false"})
    void readsXendsForm(String spec, String vdev, String target, DiskBackend backend, DiskFormat format,
                        DiskAccess access, boolean cdrom) throws Exception {
        assertThat(parse(spec)).isEqualTo(disk(vdev, target, backend, format, access, cdrom));
    }

    @Test
    void readsTheEmptyCdromDrive() throws Exception {
        DiskConfig cd = parse(",hdc:cdrom,r");
        assertThat(cd).isEqualTo(disk("hdc", null, DiskBackend.FILE, DiskFormat.RAW, DiskAccess.READ_ONLY, true));
        assertThat(cd.empty()).isTrue();
    }

    @ParameterizedTest
    @CsvSource({
            "'/dev/vg/guest-volume,raw,xvda,rw',    xvda, /dev/vg/guest-volume, PHY,  RAW,   READ_WRITE, false",
            "'/img/a.qcow2,qcow2,xvdb,ro',          xvdb, /img/a.qcow2,         FILE, QCOW2, READ_ONLY,  false",
            "'/img/a.raw,,hda',                     hda,  /img/a.raw,           FILE, RAW,   READ_WRITE, false",
            "'format=raw,vdev=hda,access=rw,backendtype=phy,target=/dev/HostVG/G2', hda, /dev/HostVG/G2, PHY, RAW, READ_WRITE, false",
            "'vdev=hdc, devtype=cdrom, format=raw, target=/iso/a,b.iso', hdc, '/iso/a,b.iso', FILE, RAW, READ_ONLY, true",
            "'format=qcow2, vdev=xvda, access=rw, target=/img/web1.qcow2', xvda, /img/web1.qcow2, FILE, QCOW2, READ_WRITE, false",
            "'/img/x.iso,raw,xvdc,r,cdrom',         xvdc, /img/x.iso,           FILE, RAW,   READ_ONLY,  true",
            "'vdev=sdb,backendtype=qdisk,target=/dev/sdb', sdb, /dev/sdb,       FILE, RAW,   READ_WRITE, false"})
    void readsXlsPositionalAndKeyValueForms(String spec, String vdev, String target, DiskBackend backend,
                                           DiskFormat format, DiskAccess access, boolean cdrom) throws Exception {
        assertThat(parse(spec)).isEqualTo(disk(vdev, target, backend, format, access, cdrom));
    }

    @Test
    void targetTakesTheRestOfTheStringCommasAndColonsIncluded() throws Exception {
        assertThat(parse("vdev=xvda,target=/img/a,vdev=xvdb").target()).hasValue("/img/a,vdev=xvdb");
        DiskConfig rbd = parse("format=raw,vdev=hdb,access=rw,backendtype=qdisk,target=rbd:pool/image:mon_host=a\\:6321\\;b");
        assertThat(rbd.target()).hasValue("rbd:pool/image:mon_host=a\\:6321\\;b");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "nbd:134.100.233.115 20004,hda1,w              | hda1 | 134.100.233.115 | 20004 |               | RAW   | READ_WRITE",
            "nbd:localhost:10809,xvdb,r                    | xvdb | localhost       | 10809 |               | RAW   | READ_ONLY",
            "nbd:[::1]:10810:exportname=a b,xvdb,r         | xvdb | ::1             | 10810 | a b           | RAW   | READ_ONLY",
            "nbd://127.0.0.1:10811/vm%2C1%20%C3%A9,raw,xvdc,r | xvdc | 127.0.0.1     | 10811 | 'vm,1 é'      | RAW   | READ_ONLY",
            "nbd+tcp://nbd.example/,qcow2,xvdd,w            | xvdd | nbd.example     | 10809 |               | QCOW2 | READ_WRITE",
            "format=raw,vdev=xvde,access=ro,target=nbd://h.example:1/dir/x | xvde | h.example | 1 | dir/x   | RAW   | READ_ONLY"})
    void readsNbdExportsInXmsXlsAndQemusForms(String spec, String vdev, String host, int port, String export,
                                              DiskFormat format, DiskAccess access) throws Exception {
        DiskConfig disk = parse(spec);

        NbdExport nbd = new NbdExport(host, port, Optional.ofNullable(export));
        assertThat(disk).isEqualTo(new DiskConfig(vdev, Optional.of(nbd.url()), DiskBackend.NBD, format, access, false));
        assertThat(disk.nbd()).contains(nbd);
        assertThat(parse(DiskSpec.format(disk))).isEqualTo(disk);
    }

    @Test
    void anNbdExportNameIsPercentEncodedInItsUrlAndNothingElse() {
        assertThat(new NbdExport("::1", 10809, Optional.of("a,b c/d%é?#")).url())
                .isEqualTo("nbd://[::1]:10809/a%2Cb%20c/d%25%C3%A9%3F%23");
        assertThat(NbdExport.parse("nbd://[::1]:10809/a%2Cb%20c/d%25%C3%A9%3F%23").name()).contains("a,b c/d%é?#");
        assertThat(new NbdExport("h", 10809, Optional.of("")).url()).isEqualTo("nbd://h:10809");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "phy:/dev/vg/a,xvda,q                | unknown access mode 'q' (r, w or w!)",
            "/dev/vg/a,xvda,w                    | 'xvda' is not a disk format (raw, qcow, qcow2, vhd or qed); in xm's form the target needs a prefix such as phy: or file:",
            "phy:/dev/vg/a,floppy,w              | invalid virtual device name 'floppy': expected xvdX, hdX, sdX or vdX, optionally with a partition number",
            "phy:/dev/vg/a                       | no virtual device name (such as xvda or hdc)",
            "nbd:unix:/run/nbd.sock,xvda,r       | NBD over a UNIX socket is not supported; give nbd://HOST:PORT/EXPORT",
            "nbd:192.0.2.7,xvda,r                | 'nbd:192.0.2.7' is not nbd:HOST:PORT, nbd:HOST PORT, nbd:HOST:PORT:exportname=NAME or nbd://HOST:PORT/NAME",
            "nbd:192.0.2.7:70000,xvda,r          | NBD port 70000 is not from 1 to 65535",
            "nbd:bad_host:10809,xvda,r           | 'bad_host' is not a host name or IP address",
            "vdev=xvda,target=nbd://h:1/a?b      | an NBD URL takes no query or fragment; write '?' and '#' in the export name as %3F and %23",
            "vdev=xvda,target=nbd://h:1/a%2      | '%2' in NBD export name is not a percent-escape such as %2C",
            "backendtype=phy,vdev=xvda,target=nbd://h:1/a | an NBD export is read by QEMU, not a host device: drop phy",
            "iscsi:iqn.2001-04.com.example,xvda,w | 'iscsi:' disks need Xen's block-iscsi script, which vmhost does not run; give a file or block device",
            "lvm:/dev/vg/a,xvda,w                | unknown disk prefix 'lvm:' (phy:, file:, tap:aio:, tap:qcow2: or tap:vhd:)",
            "vdev=xvda,script=block-iscsi,target=iqn.x | block script 'block-iscsi' is not supported (vmhost opens disks itself); give a file or block device",
            "vdev=xvda,colour=red,target=/a      | unknown parameter 'colour'",
            "phy:/dev/a,xvda,w,extra             | too many values (expected target, format, vdev and access)",
            "file:/iso/a.iso,hdc:floppy,r        | unknown device type 'floppy' (cdrom or disk)",
            ",hda,w                              | 'hda' is not a disk format (raw, qcow, qcow2, vhd or qed); in xm's form the target needs a prefix such as phy: or file:",
            "file:,hda,w                         | disk hda has no target; only a CD-ROM drive may be empty",
            "phy:/dev/a,hde,w                    | virtual device name 'hde' is out of Xen's range",
            "vdev=xvda,format=vmdk,target=/a     | unknown format 'vmdk' (raw, qcow, qcow2, vhd or qed)"})
    void badSpecsAreRefusedNamingTheSpec(String spec, String reason) {
        assertThatThrownBy(() -> parse(spec))
                .isInstanceOf(ConfigValueException.class)
                .hasMessage("disk: '" + spec + "': " + reason);
    }

    @Test
    void parametersWithoutEffectInVmhostWarn() throws Exception {
        parse("vdev=xvda,backend=dd1,discard,specification=xen,target=/img/a");
        assertThat(warnings).containsExactly(
                "disk 'vdev=xvda,backend=dd1,discard,specification=xen,target=/img/a': backend domain 'dd1' is not supported; the disk is served by the host",
                "disk 'vdev=xvda,backend=dd1,discard,specification=xen,target=/img/a': 'discard' has no effect in vmhost; ignored",
                "disk 'vdev=xvda,backend=dd1,discard,specification=xen,target=/img/a': 'specification' has no effect in vmhost; ignored");
    }

    @ParameterizedTest
    @CsvSource({
            "'phy:/dev/vg/web1,xvda,w'",
            "'file:/img/a.raw,hda,w'",
            "'tap:qcow2:/img/a.qcow2,xvdb,r'",
            "'tap:vhd:/img/a.vhd,sda1,w!'",
            "'tap:qcow:/img/a.qcow,sdb,w'",
            "'file:/iso/x.iso,hdc:cdrom,r'",
            "',hdc:cdrom,r'",
            "'format=qcow2,vdev=xvda,access=w,backendtype=phy,target=/dev/vg/qcow-on-lvm'",
            "'format=qed,vdev=xvda,access=w,backendtype=qdisk,target=/img/a.qed'",
            "'format=raw,vdev=hdc,access=r,devtype=cdrom,backendtype=qdisk,target=/iso/a,b.iso'",
            "'format=raw,vdev=xvda,access=w,backendtype=qdisk,target=relative/a.img'",
            "'format=raw,vdev=xvda,access=w,backendtype=qdisk,target=/img/a=b.img'",
            "'format=qcow2,vdev=hdd,access=r,devtype=cdrom,backendtype=phy'"})
    void formatWritesASpecThatReadsBackTheSame(String canonical) throws Exception {
        DiskConfig disk = parse(canonical);
        assertThat(DiskSpec.format(disk)).isEqualTo(canonical);
        assertThat(parse(DiskSpec.format(disk))).isEqualTo(disk);
    }

    @ParameterizedTest
    @CsvSource({
            "xvda, 51712", "xvdb, 51728", "xvda1, 51713", "xvdp15, 51967", "xvdq, 268439552", "xvdaa, 268442112",
            "hda, 768", "hda1, 769", "hdb, 832", "hdc, 5632", "hdd, 5696",
            "sda, 2048", "sda1, 2049", "sdb, 2064", "sdp15, 2303", "vda, 51712"})
    void xenDeviceNumbersAreComputedAsXenDid(String vdev, int number) {
        assertThat(DiskConfig.xenDeviceNumber(vdev)).isEqualTo(number);
    }

    @ParameterizedTest
    @CsvSource({"hda, IDE", "hdc1, IDE", "sda, SCSI", "xvda, XEN", "vdb, VIRTIO"})
    void theVdevDecidesTheBus(String vdev, DiskBus bus) throws Exception {
        assertThat(parse("file:/img/a," + vdev + ",w").bus()).isEqualTo(bus);
    }
}
