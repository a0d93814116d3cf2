package org.vmhost.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    private static final String PV = "name = 'web1'\nkernel = '/boot/vmlinuz'\n";
    private static final String HVM = "name = 'win1'\nbuilder = 'hvm'\n";

    private static LoadedConfig parse(String text, String... overrides) throws ConfigException {
        return ConfigLoader.parse("web1.cfg", text, List.of(overrides));
    }

    private static DomainConfig config(String text, String... overrides) throws ConfigException {
        return parse(text, overrides).config();
    }

    private static List<String> warnings(String text, String... overrides) throws ConfigException {
        return parse(text, overrides).warnings().stream().map(ConfigWarning::toString).toList();
    }

    @Test
    void aMinimalPvDomainGetsXmsDefaults() throws Exception {
        DomainConfig c = config(PV);
        assertThat(c.type()).isEqualTo(DomainType.PV);
        assertThat(c.memory()).isEqualTo(128);
        assertThat(c.maxmem()).isEqualTo(128);
        assertThat(c.vcpus()).isEqualTo(1);
        assertThat(c.cpuWeight()).isEqualTo(256);
        assertThat(c.cpuCap()).isZero();
        assertThat(c.boot()).isEqualTo("c");
        assertThat(c.onPoweroff()).isEqualTo(LifecycleAction.DESTROY);
        assertThat(c.onReboot()).isEqualTo(LifecycleAction.RESTART);
        assertThat(c.onCrash()).isEqualTo(LifecycleAction.RESTART);
        assertThat(c.acpi() && c.apic() && c.pae()).isTrue();
        assertThat(c.localtime() || c.usb() || c.stdvga() || c.nographic()).isFalse();
        assertThat(c.disks()).isEmpty();
        assertThat(c.vifs()).isEmpty();
        assertThat(c.vfbs()).isEmpty();
        assertThat(c.uuid()).isEmpty();
    }

    @Test
    void anHvmDomainHasAVncDisplayUnlessTurnedOff() throws Exception {
        assertThat(config(HVM).vfbs()).containsExactly(
                new VfbConfig(true, false, Optional.empty(), OptionalInt.empty(), true, Optional.empty(), Optional.empty()));
        assertThat(config(HVM + "vnc = 0\n").vfbs()).isEmpty();
        assertThat(config(HVM + "nographic = 1\n").vfbs()).isEmpty();
        assertThat(config(HVM + "vnc = 0\nsdl = 1\n").vfbs()).extracting(VfbConfig::sdl).containsExactly(true);
        assertThat(config(HVM + "vnclisten = '0.0.0.0'\nvncdisplay = 2\nvncunused = 'no'\nvncpasswd = ''\nkeymap = 'de'\n")
                .vfbs()).containsExactly(new VfbConfig(true, false, Optional.of("0.0.0.0"), OptionalInt.of(2), false,
                Optional.empty(), Optional.of("de")));
    }

    @ParameterizedTest
    @CsvSource({"builder = 'hvm', HVM", "builder = 'linux', PV", "type = 'pv', PV", "type = 'pvh', PV",
            "type = 'hvm', HVM", "'builder = \"linux\"\ntype = \"hvm\"', HVM"})
    void builderAndTypeChooseHvmOrPv(String line, DomainType type) throws Exception {
        assertThat(config(PV + line + "\n").type()).isEqualTo(type);
    }

    @Test
    void numbersMayBeWrittenAsStringsAndInHexOrOctal() throws Exception {
        DomainConfig c = config(PV + "memory = '1024'\nmaxmem = 0x800\nvcpus = '4'\ncpu_cap = 010\n");
        assertThat(c.memory()).isEqualTo(1024);
        assertThat(c.maxmem()).isEqualTo(2048);
        assertThat(c.vcpus()).isEqualTo(4);
        assertThat(c.cpuCap()).isEqualTo(8);
    }

    @Test
    void booleansAlsoTakeYesAndNo() throws Exception {
        DomainConfig c = config(HVM + "acpi = 'no'\napic = 0\nlocaltime = 'yes'\nusb = 1\nstdvga = 'true'\n");
        assertThat(c).extracting(DomainConfig::acpi, DomainConfig::apic, DomainConfig::localtime, DomainConfig::usb,
                DomainConfig::stdvga).containsExactly(false, false, true, true, true);
    }

    @Test
    void readsEveryModelledKey() throws Exception {
        DomainConfig c = config("""
                name = "db1"
                uuid = "C7A5FDB2-CDAF-9455-926A-D65C16DB1809"
                builder = "hvm"
                memory = 512; maxmem = 1024; vcpus = 2; cpus = "0-3,^2"; cpu_weight = 512; cpu_cap = 50
                kernel = "/boot/vmlinuz"; ramdisk = "/boot/initrd"; extra = "quiet"; root = "/dev/hda1 ro"
                cmdline = "console=ttyS0"; bootloader = "/usr/bin/pygrub"
                disk = [ 'phy:/dev/vg/db1,hda,w', ',hdc:cdrom,r' ]
                vif = [ '', 'bridge=xenbr1' ]
                serial = 'pty'; boot = 'dc'; usbdevice = 'tablet'; description = 'the database'
                on_poweroff = 'preserve'; on_reboot = 'rename-restart'; on_crash = 'coredump_destroy'
                """);
        assertThat(c.uuid()).hasValue(UUID.fromString("c7a5fdb2-cdaf-9455-926a-d65c16db1809"));
        assertThat(c.cpus()).hasValue("0-3,^2");
        assertThat(c.kernelCommandLine()).hasValue("console=ttyS0");
        assertThat(c.disks()).extracting(DiskConfig::vdev).containsExactly("hda", "hdc");
        assertThat(c.vifs()).containsExactly(VifConfig.defaults(), new VifConfig(Optional.empty(),
                Optional.of("xenbr1"), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty()));
        assertThat(c.serial()).hasValue("pty");
        assertThat(c.boot()).isEqualTo("dc");
        assertThat(c.usbdevices()).containsExactly("tablet");
        assertThat(c.description()).hasValue("the database");
        assertThat(c).extracting(DomainConfig::onPoweroff, DomainConfig::onReboot, DomainConfig::onCrash)
                .containsExactly(LifecycleAction.PRESERVE, LifecycleAction.RENAME_RESTART, LifecycleAction.COREDUMP_DESTROY);
    }

    @Test
    void xmsRestartShorthandSetsTheThreeActionsUnlessTheyAreGiven() throws Exception {
        DomainConfig c = config(PV + "restart = 'never'\non_crash = 'preserve'\n");
        assertThat(c).extracting(DomainConfig::onPoweroff, DomainConfig::onReboot, DomainConfig::onCrash)
                .containsExactly(LifecycleAction.DESTROY, LifecycleAction.DESTROY, LifecycleAction.PRESERVE);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "memory = 'lots'                | web1.cfg:3: memory: expected a number of MiB, got 'lots'",
            "memory = 0                     | web1.cfg:3: memory: expected a number of MiB from 1 to 16777216, got 0",
            "memory = 512\\nmaxmem = 256     | web1.cfg:4: maxmem: maxmem (256 MiB) is below memory (512 MiB)",
            "vcpus = 300                    | web1.cfg:3: vcpus: expected a number of virtual CPUs from 1 to 255, got 300",
            "memory = 1\\nmemory += 2        | web1.cfg:4: memory: '+=' cannot be used with a number",
            "memory = [ 1 ]                 | web1.cfg:3: memory: expected a single value, got a list",
            "uuid = 'abc'                   | web1.cfg:3: uuid: 'abc' is not a UUID like 4e0f4d0f-9f3b-4c52-a0a5-2d6f0c3e5a11",
            "builder = 'vmx'                | web1.cfg:3: builder: expected 'hvm' or 'linux', got 'vmx'",
            "type = 'hvm64'                 | web1.cfg:3: type: expected 'hvm', 'pv' or 'pvh', got 'hvm64'",
            "on_crash = 'explode'           | web1.cfg:3: on_crash: expected destroy, restart, preserve, rename-restart, coredump-destroy or coredump-restart, got 'explode'",
            "boot = 'x'                     | web1.cfg:3: boot: expected up to four boot devices from a (floppy), c (disk), d (CD-ROM) and n (network), got 'x'",
            "acpi = 'maybe'                 | web1.cfg:3: acpi: expected 1 or 0 (or yes or no), got 'maybe'",
            "cpus = 'any'                   | web1.cfg:3: cpus: 'any' is not a list of CPUs such as \"0-3,^2\" or \"all\"",
            "serial = [ 'pty', 'pty' ]      | web1.cfg:3: serial: only one serial port is supported",
            "name = '42'                    | web1.cfg:3: name: '42' is not a valid domain name: a name of digits only would be read as a domain id",
            "disk = [ 'phy:/dev/a,xvda,w',\\n  'phy:/dev/b,xvda,w' ] | web1.cfg:3: disk: two disks are named xvda",
            "disk = [ 'phy:/dev/a,xvda,w',\\n  'phy:/dev/b,xvdb,x' ] | web1.cfg:4: disk: 'phy:/dev/b,xvdb,x': unknown access mode 'x' (r, w or w!)",
            "disk = [ [ 'phy:/dev/a,xvda,w' ] ] | web1.cfg:3: disk: expected a string for each device, got a list",
            "vif = [ 'mac=1' ]              | web1.cfg:3: vif: 'mac=1': invalid MAC address '1'"})
    void badValuesAreTypedErrorsNamingTheKeyAndLine(String line, String message) {
        assertThatThrownBy(() -> parse(PV + line.replace("\\n", "\n") + "\n"))
                .isInstanceOf(ConfigValueException.class)
                .hasMessage(message);
    }

    @Test
    void aDomainNeedsANameAndAPvDomainAKernel() {
        assertThatThrownBy(() -> parse("memory = 128\nkernel = '/boot/vmlinuz'\n"))
                .hasMessage("web1.cfg: name: missing: every domain needs name = \"...\"");
        assertThatThrownBy(() -> parse("name = 'web1'\n"))
                .hasMessage("web1.cfg: kernel: a pv domain boots its kernel directly: set kernel = \"/path/to/vmlinuz\"");
    }

    @Test
    void anUnknownKeyGivesOneWarningNotAnError() throws Exception {
        assertThat(warnings(PV + "home = '/dev/xvda3 ro'\nhome = 'x'\n"))
                .containsExactly("web1.cfg:4: unknown setting 'home'; ignored");
    }

    @Test
    void keysXenKnowsButVmhostDoesNotModelWarnWithTheReason() throws Exception {
        assertThat(warnings(HVM + "device_model = 'qemu-dm'\npci = [ '0000:01:13.0' ]\nviridian = 1\nvnuma = [ [ 'pnode=0' ] ]\n"))
                .containsExactly(
                        "web1.cfg:3: device_model: vmhost always runs its own QEMU as the device model; ignored",
                        "web1.cfg:4: pci: device passthrough is not supported; ignored",
                        "web1.cfg:5: viridian: a Xen hypervisor feature with no equivalent in vmhost; ignored",
                        "web1.cfg:6: vnuma: not supported by vmhost; ignored");
    }

    @Test
    void xmsHvmloaderIsDroppedWithAWarning() throws Exception {
        LoadedConfig l = parse(HVM + "kernel = '/usr/lib/xen/boot/hvmloader'\n");
        assertThat(l.config().kernel()).isEmpty();
        assertThat(l.warnings()).extracting(ConfigWarning::toString).containsExactly("web1.cfg:3: kernel: xm's "
                + "hvmloader is not needed; vmhost's hvm domains boot through SeaBIOS; ignored");
    }

    @Test
    void hvmDisplayKeysOnAPvDomainWarn() throws Exception {
        assertThat(warnings(PV + "vnc = 1\n")).containsExactly("web1.cfg:3: vnc: applies to hvm domains; give a pv "
                + "domain a frame buffer with vfb = [ 'vnc=1' ]");
    }

    @Test
    void specWarningsCarryTheLineOfTheirItem() throws Exception {
        assertThat(warnings(PV + "vif = [ '',\n  'bridge=xenbr0,accel=x' ]\n"))
                .containsExactly("web1.cfg:4: vif 'bridge=xenbr0,accel=x': 'accel' has no effect in vmhost; ignored");
    }

    @Test
    void commandLineSettingsOverrideTheFile() throws Exception {
        DomainConfig c = config(PV + "memory = 128\nvif = [ 'bridge=xenbr0' ]\n",
                "memory=512", "name=web2", "extra=console=ttyS0 quiet", "vcpus=0x2", "on_crash=preserve");
        assertThat(c.memory()).isEqualTo(512);
        assertThat(c.name()).isEqualTo("web2");
        assertThat(c.extra()).hasValue("console=ttyS0 quiet");
        assertThat(c.vcpus()).isEqualTo(2);
        assertThat(c.onCrash()).isEqualTo(LifecycleAction.PRESERVE);
        assertThat(c.vifs()).hasSize(1);
    }

    @Test
    void aRepeatedListKeyOnTheCommandLineAppends() throws Exception {
        DomainConfig c = config(PV + "disk = [ 'phy:/dev/vg/a,xvda,w' ]\n",
                "disk=phy:/dev/vg/b,xvdb,w", "disk=file:/img/c.raw,xvdc,r", "vif=", "vif=bridge=xenbr1");
        assertThat(c.disks()).extracting(DiskConfig::vdev).containsExactly("xvdb", "xvdc");
        assertThat(c.vifs()).extracting(v -> v.bridge().orElse("-")).containsExactly("-", "xenbr1");
        assertThat(config(PV + "disk = [ 'phy:/dev/vg/a,xvda,w' ]\n", "disk+=['phy:/dev/vg/b,xvdb,w']").disks())
                .extracting(DiskConfig::vdev).containsExactly("xvda", "xvdb");
        assertThat(config(PV + "extra = 'quiet'\n", "extra+=' single'").extra()).hasValue("quiet single");
    }

    @Test
    void commandLineMistakesNameTheCommandLine() {
        assertThatThrownBy(() -> parse(PV, "memory=lots"))
                .isInstanceOf(ConfigValueException.class)
                .hasMessage("command line: memory: expected a number of MiB, got 'lots'");
        assertThatThrownBy(() -> parse(PV, "512"))
                .isInstanceOf(ConfigSyntaxException.class)
                .hasMessageStartingWith("argument '512':1:1: expected KEY=VALUE");
    }

    @Test
    void unknownKeysOnTheCommandLineWarnToo() throws Exception {
        assertThat(warnings(PV, "colour=red")).containsExactly("command line: unknown setting 'colour'; ignored");
    }

    @Test
    void missingFilesAreReportedOnlyWhenAsked(@TempDir Path dir) throws Exception {
        Path kernel = Files.writeString(dir.resolve("vmlinuz"), "");
        LoadedConfig l = parse("name = 'web1'\nkernel = '" + kernel + "'\nramdisk = '/nonexistent/initrd'\n"
                + "disk = [ 'phy:/dev/null,xvda,w',\n  'file:/nonexistent/b.img,xvdb,w', ',hdc:cdrom,r' ]\n");
        assertThat(l.warnings()).isEmpty();
        assertThat(l.missingFiles()).extracting(ConfigWarning::toString).containsExactly(
                "web1.cfg:3: ramdisk: '/nonexistent/initrd' does not exist on this host",
                "web1.cfg:5: disk xvdb: '/nonexistent/b.img' does not exist on this host");
        assertThat(l.missingFiles(path -> false)).hasSize(4);
    }

    @Test
    void loadReadsUtf8OrLatin1AndCrLf(@TempDir Path dir) throws Exception {
        Path utf8 = Files.writeString(dir.resolve("a.cfg"), "\uFEFF" + PV.replace("\n", "\r\n")
                + "description = 'caf\u00e9'\r\n");
        assertThat(ConfigLoader.load(utf8, List.of()).config().description()).hasValue("caf\u00e9");
        Path latin1 = Files.write(dir.resolve("b.cfg"), (PV + "description = 'caf\u00e9'\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        LoadedConfig l = ConfigLoader.load(latin1, List.of());
        assertThat(l.config().description()).hasValue("caf\u00e9");
        assertThat(l.settings().source()).isEqualTo(latin1.toString());
    }
}
