package org.vmhost.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Gives a {@link RawConfig} its meaning: a {@link DomainConfig} with xm's defaults, typed errors that name the
 * key and line, and one warning for each key vmhost does not act on.
 */
final class ConfigBinder {

    /** Keys whose value is a list; a single value given on the command line becomes a one-item list. */
    static final Set<String> LIST_KEYS = Set.of("disk", "vif", "vfb", "pci", "usbdevice", "vtpm", "vscsi",
            "channel", "usbctrl", "usbdev", "vkb", "vdispl", "irqs", "iomem", "ioports", "dtdev", "p9");

    private static final Pattern UUID_TEXT = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern BOOT = Pattern.compile("[acdn]{1,4}");
    /** The hvm display keys, in a fixed order so that warnings about them come in one order. */
    private static final List<String> DISPLAY_KEYS = List.of("vnc", "sdl", "vnclisten", "vncdisplay", "vncunused",
            "vncpasswd", "keymap");
    /** Largest memory vmhost takes, in MiB (16 TiB), so that KiB and bytes still fit a long. */
    private static final long MAX_MEMORY = 16L * 1024 * 1024;

    /** Keys Xen knows that vmhost does not model, with the reason it gives. */
    private static final Map<String, String> XEN_KEYS = xenKeys();

    private final RawConfig raw;
    private final List<ConfigWarning> warnings = new ArrayList<>();
    private final Set<String> used = new HashSet<>();

    private ConfigBinder(RawConfig raw) {
        this.raw = raw;
    }

    /** A bound configuration and the warnings binding it gave. */
    record Bound(DomainConfig config, List<ConfigWarning> warnings) {
        Bound {
            warnings = List.copyOf(warnings);
        }
    }

    static Bound bind(RawConfig raw) throws ConfigValueException {
        return new ConfigBinder(raw).bind();
    }

    /** xm's booleans: numbers (non-zero is true), {@code yes}/{@code no}, {@code true}/{@code false}, {@code on}/{@code off}. */
    static Optional<Boolean> parseBoolean(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        switch (t) {
            case "yes", "y", "true", "on" -> {
                return Optional.of(true);
            }
            case "no", "n", "false", "off" -> {
                return Optional.of(false);
            }
            default -> {
                OptionalLong n = RawValue.parseInteger(t);
                return n.isPresent() ? Optional.of(n.getAsLong() != 0) : Optional.empty();
            }
        }
    }

    private Bound bind() throws ConfigValueException {
        String name = requiredName();
        Optional<UUID> uuid = uuid();
        DomainType type = type();
        int memory = (int) integer("memory", "a number of MiB", 1, MAX_MEMORY).orElse(DomainConfig.DEFAULT_MEMORY);
        int maxmem = (int) integer("maxmem", "a number of MiB", 1, MAX_MEMORY).orElse(memory);
        if (maxmem < memory) {
            throw error(raw.get("maxmem").orElseThrow(), "maxmem (" + maxmem + " MiB) is below memory (" + memory + " MiB)");
        }
        int vcpus = (int) integer("vcpus", "a number of virtual CPUs", 1, 255).orElse(1);
        Optional<String> cpus = cpus();
        int cpuWeight = (int) integer("cpu_weight", "a scheduler weight", 1, 65535).orElse(DomainConfig.DEFAULT_CPU_WEIGHT);
        int cpuCap = (int) integer("cpu_cap", "a cap in percent of one CPU", 0, 100L * 255).orElse(0);
        Optional<String> kernel = kernel(type);
        Optional<String> ramdisk = string("ramdisk");
        Optional<String> extra = string("extra");
        Optional<String> root = string("root");
        Optional<String> cmdline = string("cmdline");
        Optional<String> bootloader = string("bootloader");
        if (type == DomainType.PV && kernel.isEmpty()) {
            if (bootloader.isEmpty()) {
                throw new ConfigValueException(raw.source(), 0, "kernel",
                        "a pv domain boots its kernel directly: set kernel = \"/path/to/vmlinuz\"");
            }
            warn(raw.get("bootloader").orElseThrow(), "bootloader: vmhost does not run bootloaders; "
                    + "set kernel (and ramdisk) for this pv domain to boot");
        }
        List<DiskConfig> disks = disks();
        List<VifConfig> vifs = specs("vif", VifSpec::parse);
        boolean nographic = bool("nographic").orElse(false);
        boolean stdvga = bool("stdvga").orElse(false);
        List<VfbConfig> vfbs = new ArrayList<>();
        if (type == DomainType.HVM) {
            display(nographic).ifPresent(vfbs::add);
        } else {
            for (String key : DISPLAY_KEYS) {
                raw.get(key).ifPresent(s -> {
                    used.add(key);
                    warn(s, key + ": applies to hvm domains; give a pv domain a frame buffer with vfb = [ 'vnc=1' ]");
                });
            }
        }
        vfbs.addAll(specs("vfb", VfbSpec::parse));
        Optional<String> serial = serial();
        String boot = boot();
        LifecycleAction[] actions = lifecycle();
        boolean localtime = bool("localtime").orElse(false);
        boolean acpi = bool("acpi").orElse(true);
        boolean apic = bool("apic").orElse(true);
        boolean pae = bool("pae").orElse(true);
        boolean usb = bool("usb").orElse(false);
        List<String> usbdevices = usbdevices();
        Optional<String> description = string("description");
        OptionalInt hotplugSlots = hotplugSlots(type);
        int autoStartOrder = (int) integer("auto_start_order", "a place among the autostart domains", 0, 9999).orElse(0);
        int autoStartDelay = (int) integer("auto_start_delay", "a number of seconds", 0, DomainConfig.MAX_AUTO_START_DELAY).orElse(0);
        warnUnused();
        try {
            DomainConfig config = new DomainConfig(name, uuid, type, memory, maxmem, vcpus, cpus, cpuWeight, cpuCap,
                    kernel, ramdisk, extra, root, cmdline, bootloader, disks, vifs, vfbs, serial, boot, stdvga,
                    nographic, actions[0], actions[1], actions[2], localtime, acpi, apic, pae, usb, usbdevices,
                    description, hotplugSlots, autoStartOrder, autoStartDelay);
            warnings.sort(Comparator.comparingInt(w -> w.line() == 0 ? Integer.MAX_VALUE : w.line()));
            return new Bound(config, warnings);
        } catch (IllegalArgumentException e) { // the model's own checks, where no key above caught it first
            throw new ConfigValueException(raw.source(), 0, "", e.getMessage());
        }
    }

    /** vmhost's own key: how many free PCIe hot-plug slots a pv domain has (hvm's PC has its own). */
    private OptionalInt hotplugSlots(DomainType type) throws ConfigValueException {
        Optional<RawSetting> s = raw.get("hotplug_slots");
        OptionalLong n = integer("hotplug_slots", "a number of hot-plug slots", 0, DomainConfig.MAX_HOTPLUG_SLOTS);
        if (n.isEmpty()) return OptionalInt.empty();
        if (type != DomainType.PV) {
            warn(s.orElseThrow(), "hotplug_slots: applies to pv domains; an hvm domain's PC hot-plugs on its PCI bus");
            return OptionalInt.empty();
        }
        return OptionalInt.of((int) n.getAsLong());
    }

    private String requiredName() throws ConfigValueException {
        Optional<RawSetting> s = take("name");
        if (s.isEmpty()) {
            throw new ConfigValueException(raw.source(), 0, "name", "missing: every domain needs name = \"...\"");
        }
        String name = atom(s.get());
        Optional<String> problem = DomainConfig.nameProblem(name);
        if (problem.isPresent()) {
            throw error(s.get(), "'" + printable(name) + "' is not a valid domain name: " + problem.get());
        }
        return name;
    }

    /** A name as a message can show it: control characters as {@code \\uXXXX}, so one error stays one line. */
    private static String printable(String text) {
        StringBuilder sb = new StringBuilder();
        text.chars().forEach(c -> sb.append(Character.isISOControl(c) ? String.format("\\u%04x", c) : String.valueOf((char) c)));
        return sb.toString();
    }

    private Optional<UUID> uuid() throws ConfigValueException {
        Optional<RawSetting> s = take("uuid");
        if (s.isEmpty()) return Optional.empty();
        String text = atom(s.get()).strip();
        if (!UUID_TEXT.matcher(text).matches()) {
            throw error(s.get(), "'" + text + "' is not a UUID like 4e0f4d0f-9f3b-4c52-a0a5-2d6f0c3e5a11");
        }
        return Optional.of(UUID.fromString(text));
    }

    private DomainType type() throws ConfigValueException {
        Optional<DomainType> fromBuilder = Optional.empty();
        Optional<RawSetting> builder = take("builder");
        if (builder.isPresent()) {
            fromBuilder = Optional.of(switch (atom(builder.get()).strip()) {
                case "hvm" -> DomainType.HVM;
                case "linux", "generic" -> DomainType.PV;
                default -> throw error(builder.get(), "expected 'hvm' or 'linux', got '" + atom(builder.get()) + "'");
            });
        }
        Optional<RawSetting> type = take("type");
        if (type.isEmpty()) return fromBuilder.orElse(DomainType.PV);
        DomainType t = switch (atom(type.get()).strip()) {
            case "hvm" -> DomainType.HVM;
            case "pv", "pvh" -> DomainType.PV;
            default -> throw error(type.get(), "expected 'hvm', 'pv' or 'pvh', got '" + atom(type.get()) + "'");
        };
        if (fromBuilder.isPresent() && fromBuilder.get() != t) {
            warn(builder.get(), "builder: '" + atom(builder.get()) + "' is overridden by type = '"
                    + atom(type.get()) + "'");
        }
        return t;
    }

    private Optional<String> cpus() throws ConfigValueException {
        Optional<RawSetting> s = take("cpus");
        if (s.isEmpty()) return Optional.empty();
        if (s.get().value() instanceof RawValue.ListValue) {
            warn(s.get(), "cpus: a list (one CPU set per vcpu) is not supported; the vcpus may run on any host CPU");
            return Optional.empty();
        }
        String cpus = atom(s.get());
        if (!cpus.isEmpty() && !DomainConfig.validCpus(cpus)) {
            throw error(s.get(), "'" + cpus + "' is not a list of CPUs such as \"0-3,^2\" or \"all\"");
        }
        return Optional.of(cpus);
    }

    private Optional<String> kernel(DomainType type) throws ConfigValueException {
        Optional<String> kernel = string("kernel");
        if (type == DomainType.HVM && kernel.isPresent()) {
            String file = kernel.get().substring(kernel.get().lastIndexOf('/') + 1);
            if (file.startsWith("hvmloader")) { // xm's firmware loader for hvm, not a kernel to boot
                warn(raw.get("kernel").orElseThrow(), "kernel: xm's hvmloader is not needed; vmhost's hvm domains "
                        + "boot through SeaBIOS; ignored");
                return Optional.empty();
            }
        }
        return kernel;
    }

    private List<DiskConfig> disks() throws ConfigValueException {
        List<DiskConfig> disks = specs("disk", DiskSpec::parse);
        Set<String> seen = new HashSet<>();
        for (DiskConfig d : disks) {
            if (!seen.add(d.vdev())) throw error(raw.get("disk").orElseThrow(), "two disks are named " + d.vdev());
        }
        return disks;
    }

    /** A parser of one kind of device spec. */
    private interface SpecParser<T> {
        T parse(String spec, Consumer<String> warnings) throws ConfigValueException;
    }

    private <T> List<T> specs(String key, SpecParser<T> parser) throws ConfigValueException {
        Optional<RawSetting> s = take(key);
        List<T> result = new ArrayList<>();
        if (s.isEmpty()) return result;
        for (RawValue item : items(s.get())) {
            int line = s.get().line() == 0 ? 0 : item.line();
            String spec = switch (item) {
                case RawValue.Str str -> str.value();
                case RawValue.Num num -> num.text();
                case RawValue.ListValue l -> throw new ConfigValueException(s.get().source(), line, key,
                        "expected a string for each device, got a list");
            };
            try {
                result.add(parser.parse(spec, message -> warnings.add(new ConfigWarning(s.get().source(), line, message))));
            } catch (ConfigValueException e) {
                throw e.at(s.get().source(), line);
            }
        }
        return result;
    }

    /** The hvm display keys, as one frame buffer (VNC is on unless turned off, as in xm). */
    private Optional<VfbConfig> display(boolean nographic) throws ConfigValueException {
        boolean vnc = bool("vnc").orElse(true);
        boolean sdl = bool("sdl").orElse(false);
        Optional<String> vnclisten = string("vnclisten");
        OptionalLong display = integer("vncdisplay", "a VNC display number", 0, 65535 - 5900);
        boolean vncunused = bool("vncunused").orElse(true);
        Optional<String> vncpasswd = string("vncpasswd");
        Optional<String> keymap = string("keymap");
        if (nographic || (!vnc && !sdl)) return Optional.empty();
        try {
            return Optional.of(new VfbConfig(vnc, sdl, vnclisten,
                    display.isPresent() ? OptionalInt.of((int) display.getAsLong()) : OptionalInt.empty(),
                    vncunused, vncpasswd, keymap));
        } catch (IllegalArgumentException e) {
            throw new ConfigValueException(raw.source(), 0, "vnc", e.getMessage());
        }
    }

    private Optional<String> serial() throws ConfigValueException {
        Optional<RawSetting> s = take("serial");
        if (s.isEmpty()) return Optional.empty();
        if (s.get().value() instanceof RawValue.ListValue l) {
            if (l.items().size() > 1) throw error(s.get(), "only one serial port is supported");
            if (l.items().isEmpty()) return Optional.empty();
            if (l.items().get(0) instanceof RawValue.ListValue) throw error(s.get(), "expected a string, got a list");
            return Optional.of(atomText(l.items().get(0)));
        }
        return Optional.of(atom(s.get()));
    }

    private String boot() throws ConfigValueException {
        Optional<RawSetting> s = take("boot");
        if (s.isEmpty()) return DomainConfig.DEFAULT_BOOT;
        String boot = atom(s.get()).strip();
        if (!BOOT.matcher(boot).matches()) {
            throw error(s.get(), "expected up to four boot devices from a (floppy), c (disk), d (CD-ROM) "
                    + "and n (network), got '" + boot + "'");
        }
        return boot;
    }

    private LifecycleAction[] lifecycle() throws ConfigValueException {
        LifecycleAction[] actions = {LifecycleAction.DESTROY, LifecycleAction.RESTART, LifecycleAction.RESTART};
        Optional<RawSetting> restart = take("restart"); // xm's old shorthand for the three
        if (restart.isPresent()) {
            switch (atom(restart.get()).strip()) {
                case "onreboot" -> actions = new LifecycleAction[]{LifecycleAction.DESTROY, LifecycleAction.RESTART,
                        LifecycleAction.DESTROY};
                case "always" -> actions = new LifecycleAction[]{LifecycleAction.RESTART, LifecycleAction.RESTART,
                        LifecycleAction.RESTART};
                case "never" -> actions = new LifecycleAction[]{LifecycleAction.DESTROY, LifecycleAction.DESTROY,
                        LifecycleAction.DESTROY};
                default -> throw error(restart.get(), "expected onreboot, always or never, got '"
                        + atom(restart.get()) + "'");
            }
        }
        String[] keys = {"on_poweroff", "on_reboot", "on_crash"};
        for (int i = 0; i < keys.length; i++) {
            Optional<RawSetting> s = take(keys[i]);
            if (s.isEmpty()) continue;
            String word = atom(s.get());
            Optional<LifecycleAction> a = LifecycleAction.parse(word);
            if (a.isEmpty()) {
                throw error(s.get(), "expected destroy, restart, preserve, rename-restart, coredump-destroy or "
                        + "coredump-restart, got '" + word + "'");
            }
            actions[i] = a.get();
        }
        return actions;
    }

    private List<String> usbdevices() throws ConfigValueException {
        Optional<RawSetting> s = take("usbdevice");
        if (s.isEmpty()) return List.of();
        if (s.get().value() instanceof RawValue.ListValue l) {
            List<String> devices = new ArrayList<>();
            for (RawValue item : l.items()) {
                if (item instanceof RawValue.ListValue) throw error(s.get(), "expected a string for each device, got a list");
                devices.add(atomText(item));
            }
            return devices;
        }
        String device = atom(s.get());
        return device.isEmpty() ? List.of() : List.of(device);
    }

    private void warnUnused() {
        for (RawSetting s : raw.settings()) {
            if (used.contains(s.key())) continue;
            String reason = XEN_KEYS.get(s.key());
            warn(s, reason != null ? s.key() + ": " + reason + "; ignored" : "unknown setting '" + s.key() + "'; ignored");
        }
    }

    // --- typed access to settings ---

    private Optional<RawSetting> take(String key) {
        used.add(key);
        return raw.get(key);
    }

    private Optional<String> string(String key) throws ConfigValueException {
        Optional<RawSetting> s = take(key);
        return s.isEmpty() ? Optional.empty() : Optional.of(atom(s.get()));
    }

    private OptionalLong integer(String key, String what, long min, long max) throws ConfigValueException {
        Optional<RawSetting> s = take(key);
        if (s.isEmpty()) return OptionalLong.empty();
        if (s.get().appended()) throw error(s.get(), "'+=' cannot be used with a number");
        String text = atom(s.get());
        OptionalLong n = RawValue.parseInteger(text);
        if (n.isEmpty()) throw error(s.get(), "expected " + what + ", got '" + text + "'");
        if (n.getAsLong() < min || n.getAsLong() > max) {
            throw error(s.get(), "expected " + what + " from " + min + " to " + max + ", got " + text);
        }
        return n;
    }

    private Optional<Boolean> bool(String key) throws ConfigValueException {
        Optional<RawSetting> s = take(key);
        if (s.isEmpty()) return Optional.empty();
        String text = atom(s.get());
        Optional<Boolean> b = parseBoolean(text);
        if (b.isEmpty()) throw error(s.get(), "expected 1 or 0 (or yes or no), got '" + text + "'");
        return b;
    }

    /** A single value's text; xl reads numbers and strings alike wherever a string is wanted. */
    private String atom(RawSetting s) throws ConfigValueException {
        if (s.value() instanceof RawValue.ListValue) throw error(s, "expected a single value, got a list");
        return atomText(s.value());
    }

    private static String atomText(RawValue v) {
        return switch (v) {
            case RawValue.Str s -> s.value();
            case RawValue.Num n -> n.text();
            case RawValue.ListValue l -> throw new IllegalArgumentException("a list is not an atom");
        };
    }

    /** A list's items; a single value counts as a list of one, as xm's users often wrote. */
    private static List<RawValue> items(RawSetting s) {
        return s.value() instanceof RawValue.ListValue l ? l.items() : List.of(s.value());
    }

    private static ConfigValueException error(RawSetting s, String detail) {
        return new ConfigValueException(s.source(), s.line(), s.key(), detail);
    }

    private void warn(RawSetting s, String message) {
        warnings.add(new ConfigWarning(s.source(), s.line(), message));
    }

    private static Map<String, String> xenKeys() {
        Map<String, String> m = new HashMap<>();
        put(m, "vmhost always runs its own QEMU as the device model", "device_model", "device_model_version",
                "device_model_override", "device_model_args", "device_model_args_hvm", "device_model_args_pv",
                "device_model_user", "device_model_stubdomain_override", "device_model_stubdomain_seclabel",
                "stubdomain_memory", "stubdomain_kernel", "stubdomain_ramdisk", "dm_restrict", "qemu_dm");
        put(m, "device passthrough is not supported", "pci", "pci_permissive", "pci_msitranslate",
                "pci_power_mgmt", "pci_seize", "rdm", "rdm_mem_boundary", "e820_host", "iomem", "ioports", "irqs",
                "gfx_passthru", "dtdev", "usbctrl", "usbdev", "vscsi");
        put(m, "a Xen hypervisor feature with no equivalent in vmhost", "viridian", "hap", "nestedhvm",
                "shadow_memory", "timer_mode", "hpet", "vpt_align", "tsc_mode", "altp2m", "altp2mhvm", "mca_caps",
                "vpmu", "cpuid", "msr_relaxed", "xen_platform_pci", "max_grant_frames", "max_maptrack_frames",
                "max_grant_version", "claim_mode", "driver_domain", "nomigrate", "suppress_vmdesc", "vcpu_soft_affinity",
                "cpus_soft", "cpu_migrate", "gic_version", "tee", "passthrough", "ept", "paging", "vcpu_hard_affinity",
                "pvh", "superpages", "event_channels", "smbios", "pool", "cpupool", "sched");
        put(m, "not supported by vmhost", "vnuma", "maxvcpus", "vcpu_avail", "rtc_timeoffset", "on_watchdog",
                "on_soft_reset", "on_xend_start", "on_xend_stop", "snapshot", "bootloader_args", "bootargs",
                "vtpm", "vusb", "usbversion", "p9", "pvcalls", "vkb", "vdispl", "vsnd", "channel", "console",
                "vif2", "vncconsole", "vncviewer", "xauthority", "display", "opengl", "soundhw", "parallel",
                "monitor", "monitor_path", "videoram", "vga", "spice", "spicehost", "spiceport", "spicetls_port",
                "spicedisable_ticketing", "spicepasswd", "spiceagent_mouse", "spicevdagent", "spice_clipboard_sharing",
                "spiceusbredirection", "spice_image_compression", "spice_streaming_video", "serial_port",
                "keymap_file", "vncunused_base", "isa", "rtc", "guest_os_type", "extid");
        put(m, "vmhost's hvm domains boot SeaBIOS, not Xen's firmware", "firmware", "bios", "bios_path_override",
                "firmware_override", "acpi_firmware", "smbios_firmware", "acpi_s3", "acpi_s4", "acpi_laptop_slate",
                "hvmloader", "loader", "kernel_loader");
        put(m, "xm turned this into kernel parameters; write them in extra instead (e.g. ip=dhcp)", "dhcp",
                "hostname", "ip", "netmask", "gateway", "nfs_server", "nfs_root", "interface");
        put(m, "xm's network shorthand; write vif = [ ... ] instead", "nics");
        put(m, "security labels (XSM, ACM) are not supported", "seclabel", "security", "access_control",
                "init_seclabel", "stubdomain_seclabel", "device_model_stubdomain_seclabel");
        return Map.copyOf(m);
    }

    private static void put(Map<String, String> m, String reason, String... keys) {
        for (String k : keys) m.put(k, reason);
    }
}
