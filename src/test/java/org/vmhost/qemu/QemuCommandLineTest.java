package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.vmhost.config.ConfigLoader;
import org.vmhost.config.DomainConfig;

/** What the golden files do not show: refusals, and rules checked across many inputs. */
class QemuCommandLineTest {

    private static DomainConfig config(String text) throws Exception {
        return ConfigLoader.parse("test.cfg", text, List.of()).config();
    }

    private static List<String> argv(String text) throws Exception {
        DomainConfig config = config(text);
        return QemuCommandLine.build(config, QemuCommandLineGoldenTest.context(config, Path.of("qemu-system-x86_64"),
                Path.of("/run/q.sock"), Path.of("/run/c.sock"), Path.of("/log/c.log"), 7));
    }

    /** The value following {@code option} each time it occurs. */
    private static List<String> values(List<String> argv, String option) {
        return java.util.stream.IntStream.range(0, argv.size() - 1).filter(i -> argv.get(i).equals(option))
                .mapToObj(i -> argv.get(i + 1)).toList();
    }

    @Test
    void theVncPasswordNeverAppearsOnTheCommandLine() throws Exception {
        List<String> argv = argv("builder='hvm'\nname='v'\nvnc=1\nvncpasswd='hunter2'\nvnclisten='127.0.0.1'\n");

        assertThat(String.join(" ", argv)).doesNotContain("hunter2");
        assertThat(values(argv, "-vnc")).containsExactly("127.0.0.1:7,to=106,password=on");
    }

    @Test
    void vncWithoutAnAddressIsServedOnTheRunDirectorysUnixSocketAndNeverOnTcp() throws Exception {
        assertThat(values(argv("builder='hvm'\nname='v'\nvnc=1\n"), "-vnc")).containsExactly("unix:/run/vnc.sock");
        assertThat(values(argv("builder='hvm'\nname='v'\nvnc=1\nvncpasswd='p'\n"), "-vnc"))
                .containsExactly("unix:/run/vnc.sock,password=on");
    }

    @Test
    void vncOnTcpWithoutAPasswordIsRefusedSayingWhy() {
        assertThatThrownBy(() -> argv("builder='hvm'\nname='v'\nvnc=1\nvnclisten='0.0.0.0'\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("domain 'v': VNC on TCP (vnclisten=0.0.0.0) needs a vncpasswd");
        assertThatThrownBy(() -> argv("builder='hvm'\nname='v'\nvnc=1\nvnclisten='127.0.0.1'\nvncpasswd=''\n"))
                .hasMessageContaining("needs a vncpasswd");
    }

    @Test
    void qemuRunsUnderItsSandboxAndAsTheUserTheContextNames() throws Exception {
        List<String> argv = argv("name='p'\nkernel='/k'\n");
        assertThat(values(argv, "-sandbox")).containsExactly("on,obsolete=deny,elevateprivileges=allow,spawn=deny,resourcecontrol=deny");
        assertThat(values(argv, "-runas")).containsExactly("vmhost-qemu");

        DomainConfig config = config("name='p'\nkernel='/k'\n");
        LaunchContext asXend = new LaunchContext(Path.of("qemu"), "tcg", java.util.UUID.randomUUID(), Path.of("/q"),
                Path.of("/c"), Path.of("/l"), List.of(), OptionalInt.empty(), OptionalLong.empty());
        List<String> unprivileged = QemuCommandLine.build(config, asXend);
        assertThat(values(unprivileged, "-sandbox")).as("no -runas: nothing to change to, so set*id is denied too")
                .containsExactly("on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
        assertThat(unprivileged).doesNotContain("-runas");
    }

    @Test
    void aUserModeNicIsRestrictedOnTheCommandLineAndWhenHotPlugged() throws Exception {
        assertThat(values(argv("name='p'\nkernel='/k'\nvif=['type=user']\n"), "-netdev")).containsExactly("user,id=net0,restrict=on");
        assertThat(NicHotplug.netdev(2, new NicAttachment("00:16:3e:00:00:01", new NicAttachment.User())))
                .containsEntry("type", "user").containsEntry("restrict", true);
    }

    @Test
    void vncunusedSearchesNoFurtherThanTheLastDisplay() throws Exception {
        DomainConfig config = config("builder='hvm'\nname='v'\nvnc=1\nvnclisten='127.0.0.1'\nvncpasswd='x'\n");
        LaunchContext ctx = new LaunchContext(Path.of("qemu"), "tcg", java.util.UUID.randomUUID(), Path.of("/q"),
                Path.of("/c"), Path.of("/l"), List.of(), OptionalInt.of(59600), OptionalLong.empty());

        assertThat(values(QemuCommandLine.build(config, ctx), "-vnc")).containsExactly("127.0.0.1:59600,to=59635,password=on");
    }

    @Test
    void aFixedVncDisplayIsTakenFromTheConfigAndNotSearchedFrom() throws Exception {
        assertThat(values(argv("builder='hvm'\nname='v'\nvnc=1\nvncdisplay=3\nvnclisten='::1'\nvncpasswd='x'\n"), "-vnc"))
                .containsExactly("[::1]:3,password=on");
    }

    @Test
    void vncWithNoDisplayChosenIsRefused() throws Exception {
        DomainConfig config = config("builder='hvm'\nname='v'\nvnc=1\nvnclisten='127.0.0.1'\nvncpasswd='x'\n");
        LaunchContext ctx = new LaunchContext(Path.of("qemu"), "tcg", java.util.UUID.randomUUID(), Path.of("/q"),
                Path.of("/c"), Path.of("/l"), List.of(), OptionalInt.empty(), OptionalLong.empty());

        assertThatThrownBy(() -> QemuCommandLine.build(config, ctx)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("domain 'v' has VNC but no VNC display was chosen");
    }

    @Test
    void aReadOnlyIdeHardDiskIsRefusedWithWhatToDoInstead() {
        assertThatThrownBy(() -> argv("builder='hvm'\nname='r'\ndisk=['file:/a.img,hdb,r']\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("domain 'r': hdb is a read-only IDE hard disk, which QEMU cannot emulate; make it a "
                        + "CD-ROM (hdb:cdrom), or put it on sd or xvd");
    }

    @Test
    void twoVdevsForOneIdeOrScsiPlaceAreRefused() {
        assertThatThrownBy(() -> argv("builder='hvm'\nname='p'\ndisk=['file:/a.img,hda,w','file:/b.img,hda1,w']\n"))
                .hasMessage("domain 'p': hda and hda1 are the same disk (IDE bus 0 unit 0): a partition number "
                        + "does not make another disk");
        assertThatThrownBy(() -> argv("builder='hvm'\nname='p'\ndisk=['file:/a.img,sdb2,w','file:/b.img,sdb,w']\n"))
                .hasMessageContaining("sdb2 and sdb are the same disk (SCSI id 1)");
    }

    @Test
    void aParavirtualCdromIsRefusedInAnHvmDomain() {
        assertThatThrownBy(() -> argv("builder='hvm'\nname='c'\ndisk=['file:/a.iso,xvdc:cdrom,r']\n"))
                .hasMessage("domain 'c': xvdc is a paravirtual disk and cannot be a CD-ROM; use hdc or sdc");
    }

    @Test
    void aPvDomainHasVirtioNicsOnly() {
        assertThatThrownBy(() -> argv("name='n'\nkernel='/k'\nvif=['model=e1000']\n"))
                .hasMessage("domain 'n': vif 0: a pv domain has virtio NICs only, not 'e1000'");
    }

    @Test
    void anUnknownHvmNicModelIsRefusedWithTheKnownOnes() {
        assertThatThrownBy(() -> argv("builder='hvm'\nname='n'\nvif=['model=tulip']\n"))
                .hasMessage("domain 'n': vif 0: NIC model 'tulip' is not supported (use one of e1000, e1000e, "
                        + "ne2k_pci, pcnet, rtl8139, virtio, virtio-net, vmxnet3)");
    }

    @Test
    void nicAttachmentsMustMatchTheVifs() throws Exception {
        DomainConfig config = config("name='n'\nkernel='/k'\nvif=['']\n");
        LaunchContext ctx = new LaunchContext(Path.of("qemu"), "tcg", java.util.UUID.randomUUID(), Path.of("/q"),
                Path.of("/c"), Path.of("/l"), List.of(), OptionalInt.empty(), OptionalLong.empty());

        assertThatThrownBy(() -> QemuCommandLine.build(config, ctx))
                .hasMessage("domain 'n' has 1 vifs but 0 NIC attachments were given");
    }

    @Test
    void theLastConsoleOnThePvCommandLineDecidesWhereTheConsoleGoes() throws Exception {
        List<String> serial = argv("name='a'\nkernel='/k'\nextra='console=hvc0 console=ttyS0,115200'\n");
        List<String> virtio = argv("name='a'\nkernel='/k'\nextra='console=ttyS0 console=hvc0'\n");

        assertThat(values(serial, "-serial")).containsExactly("chardev:serial0");
        assertThat(values(serial, "-device")).doesNotContain("virtio-serial-device,id=vser0");
        assertThat(values(serial, "-append")).containsExactly("console=hvc0 console=ttyS0,115200 pcie_ports=native tsc_early_khz=2294608 tsc=reliable");
        assertThat(values(virtio, "-serial")).isEmpty();
        assertThat(values(virtio, "-device")).contains("virtconsole,bus=vser0.0,chardev=serial0,id=hvc0");
    }

    @Test
    void aPvDomainKeepsItsConsoleWhateverTheHvmSerialKeySays() throws Exception {
        assertThat(values(argv("name='a'\nkernel='/k'\nserial='none'\n"), "-serial")).containsExactly("chardev:serial0");
        assertThat(values(argv("builder='hvm'\nname='a'\nserial='none'\n"), "-serial")).isEmpty();
        assertThat(String.join(" ", argv("builder='hvm'\nname='a'\nserial='none'\n"))).doesNotContain("console.sock");
    }

    @Test
    void everyDiskReachesQemuWithItsFormatStatedRawUnlessTheConfigSaysOtherwise() throws Exception {
        // QEMU would otherwise probe the file, and a guest's raw disk could then be read as the qcow2 header it wrote.
        List<String> drives = values(argv("name='a'\nbuilder='hvm'\ndisk=['file:/i/a.qcow2,xvda,w', 'tap:aio:/i/b.img,xvdb,w', "
                + "'phy:/dev/loop7,xvdc,w', 'tap:aio:/i/d.raw,hda,w', 'tap:qcow2:/i/e.raw,sda,w', "
                + "'format=qcow2,vdev=sdb,access=rw,target=/i/f', 'vdev=sdc,access=r,target=/i/g.qcow2', 'file:/i/x.iso,hdc:cdrom,r']\n"),
                "-drive");
        assertThat(drives).hasSize(8).allSatisfy(d -> assertThat(d).containsPattern(",format=(raw|qcow2),file\\.driver="));
        assertThat(drives).extracting(d -> d.replaceAll(".*,format=([a-z0-9]+),.*", "$1"))
                .containsExactly("raw", "raw", "raw", "raw", "qcow2", "qcow2", "raw", "raw");
    }

    @Test
    void aVhdImageIsQemusVpcFormat() throws Exception {
        assertThat(values(argv("name='a'\nkernel='/k'\ndisk=['tap:vhd:/x.vhd,xvda,w']\n"), "-drive"))
                .containsExactly("if=none,id=drive-xvda,format=vpc,file.driver=file,file.filename=/x.vhd,"
                        + "file.auto-read-only=off,readonly=off,cache=none,aio=threads");
    }

    @Test
    void aDiskTargetThatLooksLikeOptionsOrAProtocolStaysOneFileName() throws Exception {
        // xl's target= takes the rest of the spec, commas and all: none of it may become an option of its own.
        List<String> argv = argv("name='a'\nkernel='/k'\ndisk=['format=raw,vdev=xvda,access=r,target=/img/nbd:x,readonly=off,file=/etc/shadow']\n");
        assertThat(values(argv, "-drive")).containsExactly("if=none,id=drive-xvda,format=raw,file.driver=file,"
                + "file.filename=/img/nbd:x,,readonly=off,,file=/etc/shadow,file.auto-read-only=off,readonly=on,cache=none,aio=threads");
    }

    @Test
    void everyImageIsKeptOpenAsItWasOpenedAndAnOlderXendsQemuIsToldApart() throws Exception {
        // QEMU drops root once started: an image it opened again at a save's end could be one it may not open.
        List<String> argv = argv("name='a'\nbuilder='hvm'\ndisk=['file:/i/a.qcow2,xvda,w', 'phy:/dev/loop7,xvdb,w', "
                + "'file:/i/x.iso,hdc:cdrom,r', ',hdd:cdrom,r']\n");
        assertThat(values(argv, "-drive")).filteredOn(d -> d.contains("file.filename="))
                .hasSize(3).allSatisfy(d -> assertThat(d).contains(",file.auto-read-only=off,"));
        assertThat(QemuCommandLine.keepsImagesOpen(argv)).isTrue();

        List<String> older = argv.stream().map(a -> a.replace(",file.auto-read-only=off", "")).toList();
        assertThat(QemuCommandLine.keepsImagesOpen(older)).isFalse();
        // Only an option of its own counts, not the same words inside a file name.
        List<String> named = argv("name='a'\nkernel='/k'\ndisk=['format=raw,vdev=xvda,access=w,target=/i/x,file.auto-read-only=off']\n")
                .stream().map(a -> a.replace(",file.auto-read-only=off,readonly", ",readonly")).toList();
        assertThat(values(named, "-drive")).singleElement().asString().contains("/i/x,,file.auto-read-only=off,readonly=off");
        assertThat(QemuCommandLine.keepsImagesOpen(named)).isFalse();
        assertThat(QemuCommandLine.keepsImagesOpen(List.of("qemu-system-x86_64", "-kernel", "/k"))).as("no image").isTrue();
    }

    @Test
    void anEmptyCdromDriveHasNoFile() throws Exception {
        List<String> argv = argv("builder='hvm'\nname='a'\ndisk=[',hdc:cdrom,r']\nboot='d'\n");

        assertThat(values(argv, "-drive")).containsExactly("if=none,id=drive-hdc,readonly=on");
        assertThat(values(argv, "-device")).contains("ide-cd,bus=ide.1,unit=0,drive=drive-hdc,id=hdc,bootindex=1");
    }

    @Test
    void aPvDomainHasFreeHotplugSlotsUnlessItsConfigAsksForNone() throws Exception {
        List<String> slots = argv("name='a'\nkernel='/k'\n");
        assertThat(values(slots, "-machine")).containsExactly("microvm,acpi=on,pcie=on");
        assertThat(values(slots, "-device")).filteredOn(d -> d.startsWith("pcie-root-port"))
                .hasSize(org.vmhost.config.DomainConfig.DEFAULT_HOTPLUG_SLOTS);
        assertThat(values(slots, "-append").get(0)).contains("pcie_ports=native");
        // The user's own pcie_ports= stands.
        assertThat(values(argv("name='a'\nkernel='/k'\nextra='pcie_ports=compat'\n"), "-append").get(0))
                .contains("pcie_ports=compat").doesNotContain("pcie_ports=native");

        List<String> none = argv("name='a'\nkernel='/k'\nhotplug_slots=0\n");
        assertThat(values(none, "-machine")).containsExactly("microvm,acpi=on");
        assertThat(String.join(" ", none)).doesNotContain("pcie");
        assertThat(values(argv("name='a'\nkernel='/k'\nhotplug_slots=7\n"), "-device"))
                .filteredOn(d -> d.startsWith("pcie-root-port")).hasSize(7);
        // An hvm domain's PC has its own ACPI PCI hot-plug: no root ports.
        assertThat(String.join(" ", argv("builder='hvm'\nname='a'\n"))).doesNotContain("pcie-root-port");
    }

    @Test
    void kvmGetsTheHostCpu() throws Exception {
        DomainConfig config = config("name='a'\nkernel='/k'\n");
        LaunchContext ctx = new LaunchContext(Path.of("qemu"), "kvm", java.util.UUID.randomUUID(), Path.of("/q"),
                Path.of("/c"), Path.of("/l"), List.of(), OptionalInt.empty(), OptionalLong.empty());

        List<String> argv = QemuCommandLine.build(config, ctx);

        assertThat(values(argv, "-cpu")).containsExactly("host");
        assertThat(values(argv, "-append")).containsExactly("console=ttyS0 pcie_ports=native");
    }

    @Test
    void aControlCharacterInAnOptionValueIsRefused() {
        assertThatThrownBy(() -> QemuOpts.escape("a\nb")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("control character in QEMU option value: a?b");
        assertThat(QemuOpts.escape("a,,b,")).isEqualTo("a,,,,b,,");
    }
}
