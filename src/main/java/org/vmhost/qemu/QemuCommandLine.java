package org.vmhost.qemu;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.vmhost.config.DiskBackend;
import org.vmhost.config.DiskConfig;
import org.vmhost.config.DomainConfig;
import org.vmhost.config.DomainType;
import org.vmhost.config.LifecycleAction;
import org.vmhost.config.VfbConfig;
import org.vmhost.config.VifConfig;

/**
 * Turns a domain's configuration into QEMU's argument vector. A pure function: the same config and
 * context always give the same argv, which the golden-file tests pin down.
 *
 * <p>Run-time policy shared by both modes: QEMU never exits on its own when the guest powers off
 * ({@code -no-shutdown}) or panics ({@code -action panic=pause}); it stops and emits an event, and the
 * lifecycle applies on_poweroff or on_crash. That way an end that happens while xend is away is still
 * there to be read (query-status) when xend comes back. A guest reboot resets in place when on_reboot is
 * restart, and otherwise becomes a shutdown for the lifecycle to act on.
 */
public final class QemuCommandLine {

    /** NIC models and the QEMU device each becomes on a PCI bus (hvm). */
    private static final Map<String, String> PCI_NIC_MODELS = Map.of(
            "rtl8139", "rtl8139",
            "e1000", "e1000",
            "e1000e", "e1000e",
            "virtio", "virtio-net-pci",
            "virtio-net", "virtio-net-pci",
            "ne2k_pci", "ne2k_pci",
            "pcnet", "pcnet",
            "vmxnet3", "vmxnet3");

    static final String DEFAULT_HVM_NIC = "rtl8139";

    private QemuCommandLine() {}

    /** The full argv, emulator first. */
    public static List<String> build(DomainConfig config, LaunchContext ctx) {
        if (ctx.nics().size() != config.vifs().size()) {
            throw new IllegalArgumentException("domain '" + config.name() + "' has " + config.vifs().size()
                    + " vifs but " + ctx.nics().size() + " NIC attachments were given");
        }
        Argv a = new Argv();
        a.add(ctx.emulator().toString());
        a.add("-name", QemuOpts.empty().add("guest", config.name()).add("debug-threads", true).toString());
        a.add("-uuid", ctx.uuid().toString());
        a.add("-no-user-config", "-nodefaults");
        if (config.type() == DomainType.HVM) {
            a.add("-machine", QemuOpts.of("pc").add("acpi", config.acpi()).toString());
        } else {
            // microvm finds its virtio-mmio devices through ACPI; with acpi=off these kernels see none.
            a.add("-machine", QemuOpts.of("microvm").add("acpi", true).toString());
        }
        a.add("-accel", ctx.accelerator());
        if (ctx.accelerator().equals("kvm")) a.add("-cpu", "host");
        a.add("-m", config.memory() + "M");
        a.add("-smp", Integer.toString(config.vcpus()));
        a.add("-rtc", QemuOpts.empty().add("base", config.localtime() ? "localtime" : "utc").toString());

        // Control and console.
        a.add("-chardev", QemuOpts.of("socket").add("id", "qmp").add("path", ctx.qmpSocket().toString())
                .add("server", true).add("wait", false).toString());
        a.add("-mon", QemuOpts.empty().add("chardev", "qmp").add("mode", "control").toString());
        a.add("-no-shutdown");
        a.add("-action", QemuOpts.empty().add("panic", "pause").toString());
        if (config.onReboot() != LifecycleAction.RESTART) {
            a.add("-action", QemuOpts.empty().add("reboot", "shutdown").toString());
        }
        boolean serial = config.serial().map(s -> !s.equals("none")).orElse(true);
        if (serial) {
            a.add("-chardev", QemuOpts.of("socket").add("id", "serial0").add("path", ctx.consoleSocket().toString())
                    .add("server", true).add("wait", false)
                    .add("logfile", ctx.consoleLog().toString()).add("logappend", true).toString());
            a.add("-serial", "chardev:serial0");
        }

        if (config.type() == DomainType.HVM) {
            hvmDevices(config, ctx, a);
        } else {
            pvDevices(config, ctx, a);
        }
        return List.copyOf(a.args);
    }

    private static void hvmDevices(DomainConfig config, LaunchContext ctx, Argv a) {
        Boot boot = new Boot(config.boot());
        display(config, ctx, a);
        if (config.usb() || !config.usbdevices().isEmpty()) {
            a.add("-device", QemuOpts.of("piix3-usb-uhci").add("id", "usb").toString());
            for (String dev : config.usbdevices()) {
                String driver = switch (dev) {
                    case "tablet" -> "usb-tablet";
                    case "mouse" -> "usb-mouse";
                    case "keyboard" -> "usb-kbd";
                    default -> throw new IllegalArgumentException("domain '" + config.name()
                            + "': usbdevice '" + dev + "' is not supported (use tablet, mouse or keyboard)");
                };
                a.add("-device", QemuOpts.of(driver).add("bus", "usb.0").toString());
            }
        }
        // A guest that panics tells QEMU through pvpanic, so a crash is told apart from a poweroff.
        a.add("-device", "pvpanic");

        boolean scsi = false;
        for (DiskConfig disk : config.disks()) {
            String drive = drive(disk, a);
            int index = (int) diskIndex(disk.vdev());
            QemuOpts dev;
            switch (disk.bus()) {
                case IDE -> dev = QemuOpts.of(disk.cdrom() ? "ide-cd" : "ide-hd")
                        .add("bus", "ide." + index / 2).add("unit", index % 2);
                case SCSI -> {
                    if (!scsi) {
                        a.add("-device", QemuOpts.of("virtio-scsi-pci").add("id", "scsi0").toString());
                        scsi = true;
                    }
                    dev = QemuOpts.of(disk.cdrom() ? "scsi-cd" : "scsi-hd").add("bus", "scsi0.0")
                            .add("channel", 0).add("scsi-id", index).add("lun", 0);
                }
                default -> {
                    if (disk.cdrom()) {
                        throw new IllegalArgumentException("domain '" + config.name() + "': " + disk.vdev()
                                + " is a paravirtual disk and cannot be a CD-ROM; use hdc or sdc");
                    }
                    dev = QemuOpts.of("virtio-blk-pci");
                }
            }
            dev.add("drive", drive).add("id", disk.vdev());
            boot.index(disk).ifPresent(i -> dev.add("bootindex", i));
            a.add("-device", dev.toString());
        }
        for (int i = 0; i < config.vifs().size(); i++) {
            VifConfig vif = config.vifs().get(i);
            String model = vif.model().orElse(DEFAULT_HVM_NIC).toLowerCase(Locale.ROOT);
            String driver = PCI_NIC_MODELS.get(model);
            if (driver == null) {
                throw new IllegalArgumentException("domain '" + config.name() + "': vif " + i + ": NIC model '"
                        + model + "' is not supported (use one of " + String.join(", ", PCI_NIC_MODELS.keySet().stream().sorted().toList()) + ")");
            }
            QemuOpts dev = nic(driver, i, ctx.nics().get(i), a);
            if (i == 0) boot.nicIndex().ifPresent(b -> dev.add("bootindex", b));
            a.add("-device", dev.toString());
        }
    }

    private static void pvDevices(DomainConfig config, LaunchContext ctx, Argv a) {
        a.add("-display", "none");
        String kernel = config.kernel().orElseThrow(() -> new IllegalArgumentException(
                "domain '" + config.name() + "' is a pv domain and has no kernel"));
        a.add("-kernel", kernel);
        config.ramdisk().ifPresent(r -> a.add("-initrd", r));
        a.add("-append", pvCommandLine(config, ctx));
        boolean scsi = false;
        for (DiskConfig disk : config.disks()) {
            String drive = drive(disk, a);
            if (disk.cdrom()) {
                if (!scsi) {
                    a.add("-device", QemuOpts.of("virtio-scsi-device").add("id", "scsi0").toString());
                    scsi = true;
                }
                a.add("-device", QemuOpts.of("scsi-cd").add("bus", "scsi0.0").add("channel", 0)
                        .add("scsi-id", diskIndex(disk.vdev())).add("lun", 0).add("drive", drive).add("id", disk.vdev()).toString());
            } else {
                a.add("-device", QemuOpts.of("virtio-blk-device").add("drive", drive).add("id", disk.vdev()).toString());
            }
        }
        for (int i = 0; i < config.vifs().size(); i++) {
            int index = i;
            config.vifs().get(i).model().filter(m -> !m.startsWith("virtio")).ifPresent(m -> {
                throw new IllegalArgumentException("domain '" + config.name() + "': vif " + index
                        + ": a pv domain has virtio NICs only, not '" + m + "'");
            });
            a.add("-device", nic("virtio-net-device", i, ctx.nics().get(i), a).toString());
        }
    }

    /**
     * The pv kernel command line: the user's, plus a console on the serial port and, where the host TSC
     * rate is known, {@code tsc_early_khz}: microvm has no HPET or PM timer, and without it about two boots
     * in three hang calibrating the TSC under TCG.
     */
    static String pvCommandLine(DomainConfig config, LaunchContext ctx) {
        String cmdline = config.kernelCommandLine().orElse("");
        List<String> added = new ArrayList<>();
        if (!hasParam(cmdline, "console")) added.add("console=ttyS0");
        if (!hasParam(cmdline, "tsc_early_khz") && ctx.tscKhz().isPresent()) {
            added.add("tsc_early_khz=" + ctx.tscKhz().getAsLong());
        }
        String tail = String.join(" ", added);
        return (cmdline.isEmpty() ? tail : tail.isEmpty() ? cmdline : cmdline + " " + tail);
    }

    private static boolean hasParam(String cmdline, String key) {
        for (String word : cmdline.split("\\s+")) {
            if (word.equals(key) || word.startsWith(key + "=")) return true;
        }
        return false;
    }

    private static void display(DomainConfig config, LaunchContext ctx, Argv a) {
        Optional<VfbConfig> vfb = config.vfbs().stream().findFirst();
        if (config.nographic()) {
            a.add("-display", "none");
            return;
        }
        a.add("-device", config.stdvga() ? "VGA" : "cirrus-vga");
        if (vfb.isPresent() && vfb.get().vnc()) {
            int display = ctx.vncDisplay().orElseThrow(() -> new IllegalArgumentException(
                    "domain '" + config.name() + "' has VNC but no VNC display was chosen"));
            String listen = vfb.get().vnclisten().orElse("127.0.0.1");
            // The password never goes on the command line, where ps shows it: it is set over QMP after start.
            String addr = (listen.contains(":") ? "[" + listen + "]" : listen) + ":" + display;
            QemuOpts vnc = QemuOpts.of(addr);
            if (vfb.get().vncpasswd().filter(p -> !p.isEmpty()).isPresent()) vnc.add("password", true);
            a.add("-vnc", vnc.toString());
            vfb.get().keymap().ifPresent(k -> a.add("-k", k));
        } else {
            a.add("-display", "none");
        }
    }

    /** Adds the {@code -drive} of a disk and returns its id. */
    private static String drive(DiskConfig disk, Argv a) {
        String id = "drive-" + disk.vdev();
        QemuOpts d = QemuOpts.empty().add("if", "none").add("id", id);
        if (disk.target().isPresent()) {
            d.add("format", disk.format().configName());
            // file.filename rather than file=: QEMU reads a plain file= as a URL when it has a colon.
            String protocol = disk.backend() == DiskBackend.PHY ? (disk.cdrom() ? "host_cdrom" : "host_device") : "file";
            d.add("file.driver", protocol).add("file.filename", disk.target().get());
        }
        d.add("readonly", !disk.access().writable() || disk.cdrom());
        if (disk.target().isPresent() && !disk.cdrom()) d.add("cache", "none").add("aio", "threads");
        a.add("-drive", d.toString());
        return id;
    }

    private static QemuOpts nic(String driver, int index, NicAttachment nic, Argv a) {
        String id = "net" + index;
        QemuOpts netdev = switch (nic.backend()) {
            case NicAttachment.Tap tap -> QemuOpts.of("tap").add("id", id).add("ifname", tap.ifname())
                    .add("script", "no").add("downscript", "no");
            case NicAttachment.User ignored -> QemuOpts.of("user").add("id", id);
        };
        a.add("-netdev", netdev.toString());
        return QemuOpts.of(driver).add("netdev", id).add("mac", nic.mac()).add("id", "nic" + index);
    }

    static long diskIndex(String vdev) {
        String letters = vdev.replaceFirst("^(xvd|hd|sd|vd)", "").replaceFirst("[0-9]+$", "");
        long n = 0;
        for (char c : letters.toCharArray()) n = n * 26 + (c - 'a' + 1);
        return n - 1;
    }

    /** Boot order letters as bootindex values: first hard disk (c), first CD-ROM (d), first NIC (n). */
    private static final class Boot {
        private final String order;
        private boolean diskDone;
        private boolean cdDone;

        Boot(String order) {
            this.order = order;
        }

        Optional<Integer> index(DiskConfig disk) {
            if (disk.cdrom() && !cdDone) {
                cdDone = true;
                return position('d');
            }
            if (!disk.cdrom() && !diskDone) {
                diskDone = true;
                return position('c');
            }
            return Optional.empty();
        }

        Optional<Integer> nicIndex() {
            return position('n');
        }

        private Optional<Integer> position(char letter) {
            int i = order.indexOf(letter);
            return i < 0 ? Optional.empty() : Optional.of(i + 1);
        }
    }

    private static final class Argv {
        final List<String> args = new ArrayList<>();

        void add(String... values) {
            args.addAll(List.of(values));
        }
    }
}
