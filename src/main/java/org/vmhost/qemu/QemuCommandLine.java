package org.vmhost.qemu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.vmhost.config.DiskBackend;
import org.vmhost.config.DiskAccess;
import org.vmhost.config.DiskConfig;
import org.vmhost.config.DiskFormat;
import org.vmhost.config.DomainConfig;
import org.vmhost.config.DomainType;
import org.vmhost.config.LifecycleAction;
import org.vmhost.config.NbdExport;
import org.vmhost.config.VfbConfig;
import org.vmhost.config.VifConfig;

/**
 * Turns a domain's configuration into QEMU's argument vector. A pure function: the same config and
 * context always give the same argv, which the golden-file tests pin down
 * ({@code src/test/resources/qemu/argv}); another test starts QEMU with each of them.
 *
 * <p>Run-time policy shared by both modes: QEMU never exits on its own when the guest powers off
 * ({@code -no-shutdown}) or panics ({@code -action panic=pause}); it stops, emits a SHUTDOWN or
 * GUEST_PANICKED event and stays in status {@code shutdown} or {@code guest-panicked}, and the lifecycle
 * applies on_poweroff or on_crash. That way an end that happens while xend is away is still there to be
 * read (query-status) when xend comes back. A guest reboot resets in place when on_reboot is restart,
 * and otherwise becomes a shutdown ({@code -action reboot=shutdown}, reason guest-reset) for the
 * lifecycle to act on. The argv never starts the guest paused: the caller adds {@code -S} when it wants
 * to connect before the guest runs.
 *
 * <p>Both modes have a pvpanic device (ISA, I/O port 0x505), so a kernel panic is reported as
 * GUEST_PANICKED rather than a hang. On {@code pc} the guest finds it through the ACPI DSDT; microvm,
 * whose ACPI stays on, describes it in its DSDT too (QEMU0001), and the Linux pvpanic-mmio driver binds
 * to it: measured with QEMU 7.2 and Debian's cloud kernel, a pv panic reaches QMP as GUEST_PANICKED.
 *
 * <p>The console: an hvm domain's first serial port (unless {@code serial = 'none'}); a pv domain's
 * console is always there, on microvm's ISA serial port (ttyS0, added to the kernel command line when it
 * names no console), or on a virtio console when the command line makes {@code hvc0} the console, as
 * Xen pv configs do. Either way QEMU serves it on {@link LaunchContext#consoleSocket()} and keeps its
 * history in {@link LaunchContext#consoleLog()}.
 *
 * <p>Confinement: QEMU always runs under its seccomp filter ({@code -sandbox}) and, where the context names a
 * user, becomes it ({@code -runas}) once it has opened what the command line names. A user-mode NIC is
 * restricted ({@code restrict=on}). A VNC display without {@code vnclisten} is a UNIX socket in the domain's
 * private run directory; one on TCP must have a password (set over QMP, never on the command line), or the
 * config is refused. docs/security-guests.md explains each choice.
 *
 * <p>Disks open with {@code cache=none}: no second copy in the host's page cache, and the guest's flushes
 * reach the disk. Images must therefore live on a file system with O_DIRECT (not tmpfs). xm's {@code w!}
 * lets other QEMUs write the same image ({@code share-rw=on}); plain {@code w} keeps QEMU's image lock.
 */
public final class QemuCommandLine {
    /** The virtio-balloon device's id, for xm mem-set. */
    static final String BALLOON_ID = "balloon0";
    private static final String AUTO_READ_ONLY = "auto-read-only";


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

    /** The QEMU device of an hvm NIC model, for hot-plug; an unknown model is refused, naming the known ones. */
    static String pciNicDriver(String model) {
        String driver = PCI_NIC_MODELS.get(model);
        if (driver == null) {
            throw new IllegalArgumentException("NIC model '" + model + "' is not supported (use one of "
                    + String.join(", ", PCI_NIC_MODELS.keySet().stream().sorted().toList()) + ")");
        }
        return driver;
    }

    /** With vncunused, QEMU tries this many displays after the first one before it gives up, as xl does. */
    static final int VNC_DISPLAYS_TRIED = 99;
    private static final int VNC_MAX_DISPLAY = 65535 - 5900;
    /** The chardev of the console, whichever device the guest sees it on. */
    private static final String CONSOLE_ID = "serial0";

    private QemuCommandLine() {}

    /**
     * The full argv, emulator first.
     *
     * @throws IllegalArgumentException naming the domain, when the config asks for something QEMU cannot
     *                                  do (a read-only IDE hard disk, a pv NIC that is not virtio ...) or
     *                                  the context does not fit it
     */
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
            // pcie=on gives it a PCIe root bus for the hot-plug slots (PcieSlots); with none it stays plain.
            QemuOpts machine = QemuOpts.of("microvm").add("acpi", true);
            if (config.hotplugSlotCount() > 0) machine.add("pcie", true);
            a.add("-machine", machine.toString());
        }
        a.add("-accel", ctx.accelerator());
        if (ctx.accelerator().equals("kvm")) a.add("-cpu", "host");
        // maxmem above memory: QEMU gets maxmem of RAM and the balloon is inflated down to memory before the
        // guest runs (libvirt's currentMemory), so xm mem-set can grow it later; see docs/monitoring.md.
        a.add("-m", config.maxmem() + "M");
        // maxvcpus above vcpus: the pc machine gets the free slots xm vcpu-set hot-plugs CPUs into. microvm
        // cannot hot-plug CPUs, so a pv domain gets only the vCPUs it starts with.
        a.add("-smp", config.type() == DomainType.HVM && config.maxvcpus() > config.vcpus()
                ? QemuOpts.of(Integer.toString(config.vcpus())).add("maxcpus", config.maxvcpus()).toString()
                : Integer.toString(config.vcpus()));
        a.add("-rtc", QemuOpts.empty().add("base", config.localtime() ? "localtime" : "utc").toString());
        confine(ctx, a);

        // Control: QMP, and what QEMU does when the guest ends.
        a.add("-chardev", QemuOpts.of("socket").add("id", "qmp").add("path", ctx.qmpSocket().toString())
                .add("server", true).add("wait", false).toString());
        a.add("-mon", QemuOpts.empty().add("chardev", "qmp").add("mode", "control").toString());
        a.add("-no-shutdown");
        a.add("-action", QemuOpts.empty().add("panic", "pause").toString());
        if (config.onReboot() != LifecycleAction.RESTART) {
            a.add("-action", QemuOpts.empty().add("reboot", "shutdown").toString());
        }
        // A guest that panics tells QEMU through pvpanic, so a crash is told apart from a hang.
        a.add("-device", "pvpanic");
        // xm mem-set: the guest gives memory back through its balloon (and the sampler reads what it has).
        a.add("-device", QemuOpts.of(config.type() == DomainType.HVM ? "virtio-balloon-pci" : "virtio-balloon-device")
                .add("id", BALLOON_ID).toString());

        if (config.type() == DomainType.HVM) {
            hvmDevices(config, ctx, a);
        } else {
            pvDevices(config, ctx, a);
        }
        return List.copyOf(a.args);
    }

    private static void hvmDevices(DomainConfig config, LaunchContext ctx, Argv a) {
        if (config.serial().map(s -> !s.equals("none")).orElse(true)) {
            consoleChardev(ctx, a);
            a.add("-serial", "chardev:" + CONSOLE_ID);
        }
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

        Slots slots = new Slots(config.name());
        boolean scsi = false;
        for (DiskConfig disk : config.disks()) {
            int index = (int) diskIndex(disk.vdev());
            QemuOpts dev;
            switch (disk.bus()) {
                case IDE -> {
                    // QEMU refuses a read-only IDE hard disk ("Block node is read-only"), as libxl did.
                    if (!disk.cdrom() && !disk.access().writable()) {
                        throw new IllegalArgumentException("domain '" + config.name() + "': " + disk.vdev()
                                + " is a read-only IDE hard disk, which QEMU cannot emulate; make it a CD-ROM ("
                                + disk.vdev() + ":cdrom), or put it on sd or xvd");
                    }
                    slots.claim(disk, "IDE bus " + index / 2 + " unit " + index % 2);
                    dev = QemuOpts.of(disk.cdrom() ? "ide-cd" : "ide-hd")
                            .add("bus", "ide." + index / 2).add("unit", index % 2);
                }
                case SCSI -> {
                    if (!scsi) {
                        a.add("-device", QemuOpts.of("virtio-scsi-pci").add("id", "scsi0").toString());
                        scsi = true;
                    }
                    slots.claim(disk, "SCSI id " + index);
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
            String drive = drive(disk, a);
            dev.add("drive", drive).add("id", disk.vdev());
            shareRw(disk, dev);
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
        // -kernel, -initrd and -append take their value whole: no option syntax, nothing to escape.
        a.add("-kernel", kernel);
        config.ramdisk().ifPresent(r -> a.add("-initrd", r));
        String cmdline = pvCommandLine(config, ctx);
        a.add("-append", cmdline);
        // The console is always there: xm console and the console log depend on it (serial= is hvm's).
        consoleChardev(ctx, a);
        if (lastParam(cmdline, "console").filter(c -> c.startsWith("hvc")).isPresent()) {
            a.add("-device", QemuOpts.of("virtio-serial-device").add("id", "vser0").toString());
            a.add("-device", QemuOpts.of("virtconsole").add("bus", "vser0.0").add("chardev", CONSOLE_ID)
                    .add("id", "hvc0").toString());
        } else {
            a.add("-serial", "chardev:" + CONSOLE_ID);
        }
        Slots slots = new Slots(config.name());
        boolean scsi = false;
        for (DiskConfig disk : config.disks()) {
            if (disk.cdrom()) {
                if (!scsi) {
                    a.add("-device", QemuOpts.of("virtio-scsi-device").add("id", "scsi0").toString());
                    scsi = true;
                }
                long index = diskIndex(disk.vdev());
                slots.claim(disk, "SCSI id " + index);
                String drive = drive(disk, a);
                a.add("-device", QemuOpts.of("scsi-cd").add("bus", "scsi0.0").add("channel", 0)
                        .add("scsi-id", index).add("lun", 0).add("drive", drive).add("id", disk.vdev()).toString());
            } else {
                String drive = drive(disk, a);
                QemuOpts dev = QemuOpts.of("virtio-blk-device").add("drive", drive).add("id", disk.vdev());
                shareRw(disk, dev);
                a.add("-device", dev.toString());
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
        // Boot-time devices stay on virtio-mmio (docs/guests.md says why); the root ports wait empty.
        for (int i = 0; i < config.hotplugSlotCount(); i++) a.add("-device", PcieSlots.rootPort(i));
    }

    /**
     * QEMU's seccomp filter, always, and with {@code -runas} an unprivileged user once it has opened what its
     * command line names (images, kernel, taps, sockets, logs): an escape from device emulation is then that
     * user's, not root's. {@code elevateprivileges=deny} would also forbid {@code -runas}'s own setgid and
     * setuid (QEMU 7.2 installs the filter first; measured: "Bad system call"), so with {@code -runas} it is
     * {@code allow}: after the change QEMU's real, effective and saved ids are all that user's, it has no
     * capabilities and no_new_privs is set, so a set*id call can only name that user again.
     */
    private static void confine(LaunchContext ctx, Argv a) {
        a.add("-sandbox", QemuOpts.of("on").add("obsolete", "deny")
                .add("elevateprivileges", ctx.runAs().isPresent() ? "allow" : "deny")
                .add("spawn", "deny").add("resourcecontrol", "deny").toString());
        ctx.runAs().ifPresent(user -> a.add("-runas", user));
    }

    /** The console's chardev: a socket for xm console, and a log QEMU writes itself. */
    private static void consoleChardev(LaunchContext ctx, Argv a) {
        a.add("-chardev", QemuOpts.of("socket").add("id", CONSOLE_ID).add("path", ctx.consoleSocket().toString())
                .add("server", true).add("wait", false)
                .add("logfile", ctx.consoleLog().toString()).add("logappend", true).toString());
    }

    /**
     * The pv kernel command line: the user's, plus a console on the serial port, {@code pcie_ports=native}
     * when the domain has hot-plug slots, and, where the host TSC
     * rate is known, {@code tsc_early_khz}: microvm has no HPET or PM timer, and without it about two boots
     * in three hang calibrating the TSC under TCG. With the rate stated, {@code tsc=reliable} keeps a busy
     * host's TCG timing jitter from making the guest declare its TSC unstable and fall back to a coarse
     * clock.
     */
    static String pvCommandLine(DomainConfig config, LaunchContext ctx) {
        String cmdline = config.kernelCommandLine().orElse("");
        List<String> added = new ArrayList<>();
        if (lastParam(cmdline, "console").isEmpty()) added.add("console=ttyS0");
        // microvm's ACPI has no _OSC, so without this the kernel never takes control of PCIe hot-plug.
        if (config.hotplugSlotCount() > 0 && lastParam(cmdline, "pcie_ports").isEmpty()) added.add("pcie_ports=native");
        if (lastParam(cmdline, "tsc_early_khz").isEmpty() && ctx.tscKhz().isPresent()) {
            added.add("tsc_early_khz=" + ctx.tscKhz().getAsLong());
            if (lastParam(cmdline, "tsc").isEmpty()) added.add("tsc=reliable");
        }
        String tail = String.join(" ", added);
        return (cmdline.isEmpty() ? tail : tail.isEmpty() ? cmdline : cmdline + " " + tail);
    }

    /** The value of the last {@code key=} word on a kernel command line ("" for a bare {@code key}). */
    private static Optional<String> lastParam(String cmdline, String key) {
        Optional<String> value = Optional.empty();
        for (String word : cmdline.strip().split("\\s+")) {
            if (word.equals(key)) value = Optional.of("");
            else if (word.startsWith(key + "=")) value = Optional.of(word.substring(key.length() + 1));
        }
        return value;
    }

    private static void display(DomainConfig config, LaunchContext ctx, Argv a) {
        if (config.nographic()) {
            a.add("-display", "none");
            return;
        }
        a.add("-device", config.stdvga() ? "VGA" : "cirrus-vga");
        Optional<VfbConfig> vnc = config.vfbs().stream().filter(VfbConfig::vnc).findFirst();
        if (vnc.isPresent() && vnc.get().vnclisten().isEmpty()) {
            // No address asked for: the display is served on a UNIX socket in the domain's private run
            // directory, which only root reaches, never on TCP where any local user (or a guest on user-mode
            // networking without restrict) could take over the console.
            QemuOpts opts = QemuOpts.of("unix:" + ctx.vncSocket());
            if (vnc.get().vncpasswd().filter(p -> !p.isEmpty()).isPresent()) opts.add("password", true);
            a.add("-vnc", opts.toString());
            vnc.get().keymap().ifPresent(k -> a.add("-k", k));
        } else if (vnc.isPresent()) {
            VfbConfig vfb = vnc.get();
            if (vfb.vncpasswd().filter(p -> !p.isEmpty()).isEmpty()) {
                throw new IllegalArgumentException("domain '" + config.name() + "': VNC on TCP (vnclisten="
                        + vfb.vnclisten().get() + ") needs a vncpasswd: a display reachable over TCP without one is "
                        + "anybody's console (leave vnclisten out for a UNIX socket only root reaches)");
            }
            // A display fixed in the config wins; else the one the lifecycle chose (xm's: the domain id).
            int display = vfb.vncdisplay().isPresent() ? vfb.vncdisplay().getAsInt()
                    : ctx.vncDisplay().orElseThrow(() -> new IllegalArgumentException(
                            "domain '" + config.name() + "' has VNC but no VNC display was chosen"));
            String listen = vfb.vnclisten().get();
            String addr = (listen.contains(":") ? "[" + listen + "]" : listen) + ":" + display;
            QemuOpts opts = QemuOpts.of(addr);
            // vncunused without a fixed display: QEMU takes the first free display from there on (to= is
            // the last display it tries, not a count). The lifecycle learns which one from query-vnc.
            if (vfb.vncunused() && vfb.vncdisplay().isEmpty()) {
                opts.add("to", Math.min(VNC_MAX_DISPLAY, display + VNC_DISPLAYS_TRIED));
            }
            // The password never goes on the command line, where ps shows it: it is set over QMP after start.
            opts.add("password", true);
            a.add("-vnc", opts.toString());
            vfb.keymap().ifPresent(k -> a.add("-k", k));
        } else {
            a.add("-display", "none");
        }
    }

    /**
     * Whether the QEMU of this command line keeps each image open as it opened it: every image's {@code -drive} says
     * {@code file.auto-read-only=off}. A QEMU that an older xend started does not: at a save's or a migration's end it
     * opens its images again, and to continue after one, as the unprivileged user it has become by then, so they
     * must be lent to that user first.
     */
    public static boolean keepsImagesOpen(List<String> argv) {
        for (int i = 0; i + 1 < argv.size(); i++) {
            if (!argv.get(i).equals("-drive")) continue;
            List<String> opts = QemuOpts.split(argv.get(i + 1));
            if (opts.stream().anyMatch(o -> o.startsWith("file.filename="))
                    && !opts.contains("file." + AUTO_READ_ONLY + "=off")) return false;
        }
        return true;
    }

    /** Adds the {@code -drive} of a disk and returns its id. */
    private static String drive(DiskConfig disk, Argv a) {
        String id = QemuBlockDevices.driveId(disk.vdev());
        QemuOpts d = QemuOpts.empty().add("if", "none").add("id", id);
        if (disk.target().isPresent()) {
            d.add("format", qemuFormat(disk.format()));
            if (disk.nbd().isPresent()) {
                nbdFile(disk.nbd().get(), d);
            } else {
                // file.filename rather than file=: QEMU reads a plain file= as a URL when it has a colon.
                String protocol = disk.backend() == DiskBackend.PHY ? (disk.cdrom() ? "host_cdrom" : "host_device") : "file";
                d.add("file.driver", protocol).add("file.filename", disk.target().get());
                // -drive's default (auto-read-only=on) lets QEMU reopen the image read-only whenever nothing writes it:
                // at a save's or a migration's end, and read-write again to continue. By then QEMU has dropped root
                // (-runas), so a root-only image failed the save ("bdrv_inactivate_all() failed"). Off, QEMU keeps
                // the descriptor it opened as root for its whole life, and no image need be lent for it.
                // Said on read-only drives too, where QEMU never reopens: every image's -drive has it, which
                // keepsImagesOpen reads back from a running QEMU's command line.
                d.add("file." + AUTO_READ_ONLY, "off");
            }
        }
        d.add("readonly", !disk.access().writable() || disk.cdrom());
        if (disk.target().isPresent() && !disk.cdrom()) d.add("cache", "none").add("aio", "threads");
        a.add("-drive", d.toString());
        return id;
    }

    /**
     * An NBD export as QEMU's nbd driver options, each value a field of its own and escaped, never a URL that
     * QEMU would parse again.
     */
    private static void nbdFile(NbdExport nbd, QemuOpts d) {
        d.add("file.driver", "nbd").add("file.server.type", "inet").add("file.server.host", nbd.host())
                .add("file.server.port", nbd.port());
        nbd.name().ifPresent(n -> d.add("file.export", n));
    }

    /** xm's {@code w!}: other QEMUs may write the image too, so this one shares its write permission. */
    private static void shareRw(DiskConfig disk, QemuOpts dev) {
        if (disk.access() == DiskAccess.SHARED_WRITE) dev.add("share-rw", true);
    }

    /** QEMU's name of an image format: the same, except VHD, which QEMU calls vpc. */
    static String qemuFormat(DiskFormat format) {
        return format == DiskFormat.VHD ? "vpc" : format.configName();
    }

    private static QemuOpts nic(String driver, int index, NicAttachment nic, Argv a) {
        String id = "net" + index;
        QemuOpts netdev = switch (nic.backend()) {
            case NicAttachment.Tap tap -> QemuOpts.of("tap").add("id", id).add("ifname", tap.ifname())
                    .add("script", "no").add("downscript", "no");
            // restrict=on: the guest reaches neither the host (10.0.2.2 is the host's loopback otherwise) nor
            // anything beyond it; only forwards given explicitly would pass.
            case NicAttachment.User ignored -> QemuOpts.of("user").add("id", id).add("restrict", true);
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

    /**
     * The IDE and SCSI places disks take: two vdevs that name the same place ({@code hda} and {@code hda1},
     * {@code sdb} and {@code sdb2}) are refused here rather than by QEMU.
     */
    private static final class Slots {
        private final String domain;
        private final Map<String, String> taken = new HashMap<>();

        Slots(String domain) {
            this.domain = domain;
        }

        void claim(DiskConfig disk, String place) {
            String other = taken.putIfAbsent(place, disk.vdev());
            if (other != null) {
                throw new IllegalArgumentException("domain '" + domain + "': " + other + " and " + disk.vdev()
                        + " are the same disk (" + place + "): a partition number does not make another disk");
            }
        }
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

    /** Makes QEMU wait for a migration stream that QMP {@code migrate-incoming} then names (a restore). */
    public static List<String> incomingDeferred() {
        return List.of("-incoming", "defer");
    }
}
