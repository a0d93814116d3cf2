package org.vmhost.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A domain's configuration as the user wrote it, with xm's defaults filled in. Plain data: it knows
 * nothing of QEMU, and the same value always writes back to the same config text.
 *
 * @param name        the domain's name
 * @param uuid        fixed UUID; empty means one is generated when the domain is defined
 * @param type        hvm or pv ({@code builder='hvm'}, {@code type='pv'}, xm's {@code builder='linux'})
 * @param memory      MiB at start
 * @param maxmem      MiB the domain may balloon up to (never below {@code memory})
 * @param vcpus       virtual CPUs
 * @param cpus        host CPUs the vcpus may run on, as written ({@code "0-3,^2"}); empty means any
 * @param cpuWeight   credit scheduler weight (xm default 256)
 * @param cpuCap      credit scheduler cap in percent of one CPU (0 means none)
 * @param kernel      kernel image for direct boot (pv; hvm ignores xm's old {@code hvmloader})
 * @param ramdisk     initial ramdisk
 * @param extra       extra kernel command-line text
 * @param root        {@code root=} text, prepended to the kernel command line as xm did
 * @param cmdline     full kernel command line (xl); wins over root and extra
 * @param bootloader  bootloader program (pygrub); recorded, not run
 * @param disks       disks in order
 * @param vifs        network interfaces in order
 * @param vfbs        frame buffers; for hvm domains the display keys make one
 * @param serial      hvm serial port setting ({@code pty}, {@code none}, ...); empty means the default
 * @param boot        hvm boot order letters: {@code c} disk, {@code d} CD-ROM, {@code n} network, {@code a} floppy
 * @param stdvga      hvm: standard VGA rather than Cirrus
 * @param nographic   hvm: no display at all
 * @param onPoweroff  action when the guest powers off
 * @param onReboot    action when the guest reboots
 * @param onCrash     action when the guest crashes
 * @param localtime   RTC in local time rather than UTC
 * @param acpi        hvm: ACPI tables
 * @param apic        hvm: local APIC
 * @param pae         hvm: PAE
 * @param usb         hvm: a USB controller
 * @param usbdevices  hvm: USB devices, e.g. {@code tablet}
 * @param description free text
 * @param hotplugSlots pv: free PCIe root ports for hot-plugged disks and NICs; empty means
 *                     {@link #DEFAULT_HOTPLUG_SLOTS}, 0 means none (plain microvm, no PCIe at all)
 * @param autoStartOrder where the domain comes among those started with xend (lower first; default 0, then by name)
 * @param autoStartDelay seconds xend waits after starting it before it starts the next autostart domain (default 0)
 */
public record DomainConfig(
        String name,
        Optional<UUID> uuid,
        DomainType type,
        int memory,
        int maxmem,
        int vcpus,
        Optional<String> cpus,
        int cpuWeight,
        int cpuCap,
        Optional<String> kernel,
        Optional<String> ramdisk,
        Optional<String> extra,
        Optional<String> root,
        Optional<String> cmdline,
        Optional<String> bootloader,
        List<DiskConfig> disks,
        List<VifConfig> vifs,
        List<VfbConfig> vfbs,
        Optional<String> serial,
        String boot,
        boolean stdvga,
        boolean nographic,
        LifecycleAction onPoweroff,
        LifecycleAction onReboot,
        LifecycleAction onCrash,
        boolean localtime,
        boolean acpi,
        boolean apic,
        boolean pae,
        boolean usb,
        List<String> usbdevices,
        Optional<String> description,
        OptionalInt hotplugSlots,
        int autoStartOrder,
        int autoStartDelay) {

    /** xm's defaults for keys the file leaves out. */
    public static final int DEFAULT_MEMORY = 128;
    public static final int DEFAULT_CPU_WEIGHT = 256;
    public static final String DEFAULT_BOOT = "c";
    /** Free hot-plug slots a pv domain has when its config names none. */
    public static final int DEFAULT_HOTPLUG_SLOTS = 4;
    /** At most this many: each is a PCIe root port on the one root bus, which has 32 slots and its host bridge. */
    public static final int MAX_HOTPLUG_SLOTS = 31;
    /** The longest wait after an autostart domain, in seconds: an hour. */
    public static final int MAX_AUTO_START_DELAY = 3600;

    public DomainConfig {
        Objects.requireNonNull(name, "name");
        nameProblem(name).ifPresent(why -> {
            throw new IllegalArgumentException("invalid domain name '" + name + "': " + why);
        });
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(type, "type");
        if (memory < 1) throw new IllegalArgumentException("memory must be at least 1 MiB, not " + memory);
        if (maxmem < memory) throw new IllegalArgumentException("maxmem (" + maxmem + ") is below memory (" + memory + ")");
        if (vcpus < 1 || vcpus > 255) throw new IllegalArgumentException("vcpus must be 1 to 255, not " + vcpus);
        if (cpuWeight < 1 || cpuWeight > 65535) throw new IllegalArgumentException("cpu_weight must be 1 to 65535, not " + cpuWeight);
        if (cpuCap < 0) throw new IllegalArgumentException("cpu_cap must not be negative");
        // An empty string is the same as leaving the key out, so that every value writes back to itself.
        cpus = text("cpus", cpus);
        kernel = text("kernel", kernel);
        ramdisk = text("ramdisk", ramdisk);
        extra = text("extra", extra);
        root = text("root", root);
        cmdline = text("cmdline", cmdline);
        bootloader = text("bootloader", bootloader);
        serial = text("serial", serial);
        description = text("description", description);
        cpus.ifPresent(c -> {
            if (!CPUS.matcher(c).matches()) {
                throw new IllegalArgumentException("cpus '" + c + "' is not a list of CPUs such as \"0-3,^2\" or \"all\"");
            }
        });
        disks = List.copyOf(disks);
        vifs = List.copyOf(vifs);
        vfbs = List.copyOf(vfbs);
        usbdevices = List.copyOf(usbdevices);
        for (String u : usbdevices) {
            if (u.indexOf('\0') >= 0) throw new IllegalArgumentException("usbdevice contains NUL");
        }
        Objects.requireNonNull(boot, "boot");
        if (!boot.matches("[acdn]{1,4}")) throw new IllegalArgumentException("boot must be letters from a, c, d, n, not '" + boot + "'");
        Objects.requireNonNull(onPoweroff, "onPoweroff");
        Objects.requireNonNull(onReboot, "onReboot");
        Objects.requireNonNull(onCrash, "onCrash");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(hotplugSlots, "hotplugSlots");
        if (hotplugSlots.isPresent() && (hotplugSlots.getAsInt() < 0 || hotplugSlots.getAsInt() > MAX_HOTPLUG_SLOTS)) {
            throw new IllegalArgumentException("hotplug_slots must be 0 to " + MAX_HOTPLUG_SLOTS + ", not " + hotplugSlots.getAsInt());
        }
        if (autoStartOrder < 0 || autoStartOrder > 9999) {
            throw new IllegalArgumentException("auto_start_order must be 0 to 9999, not " + autoStartOrder);
        }
        if (autoStartDelay < 0 || autoStartDelay > MAX_AUTO_START_DELAY) {
            throw new IllegalArgumentException("auto_start_delay must be 0 to " + MAX_AUTO_START_DELAY + " seconds, not " + autoStartDelay);
        }
        long distinct = disks.stream().map(DiskConfig::vdev).distinct().count();
        if (distinct != disks.size()) throw new IllegalArgumentException("two disks share one virtual device name");
    }

    /** A configuration without {@code hotplug_slots}: the default number of slots. */
    public DomainConfig(String name, Optional<UUID> uuid, DomainType type, int memory, int maxmem, int vcpus,
            Optional<String> cpus, int cpuWeight, int cpuCap, Optional<String> kernel, Optional<String> ramdisk,
            Optional<String> extra, Optional<String> root, Optional<String> cmdline, Optional<String> bootloader,
            List<DiskConfig> disks, List<VifConfig> vifs, List<VfbConfig> vfbs, Optional<String> serial, String boot,
            boolean stdvga, boolean nographic, LifecycleAction onPoweroff, LifecycleAction onReboot,
            LifecycleAction onCrash, boolean localtime, boolean acpi, boolean apic, boolean pae, boolean usb,
            List<String> usbdevices, Optional<String> description) {
        this(name, uuid, type, memory, maxmem, vcpus, cpus, cpuWeight, cpuCap, kernel, ramdisk, extra, root, cmdline,
                bootloader, disks, vifs, vfbs, serial, boot, stdvga, nographic, onPoweroff, onReboot, onCrash, localtime,
                acpi, apic, pae, usb, usbdevices, description, OptionalInt.empty(), 0, 0);
    }

    /** A configuration without the autostart keys: order 0, no delay. */
    public DomainConfig(String name, Optional<UUID> uuid, DomainType type, int memory, int maxmem, int vcpus,
            Optional<String> cpus, int cpuWeight, int cpuCap, Optional<String> kernel, Optional<String> ramdisk,
            Optional<String> extra, Optional<String> root, Optional<String> cmdline, Optional<String> bootloader,
            List<DiskConfig> disks, List<VifConfig> vifs, List<VfbConfig> vfbs, Optional<String> serial, String boot,
            boolean stdvga, boolean nographic, LifecycleAction onPoweroff, LifecycleAction onReboot,
            LifecycleAction onCrash, boolean localtime, boolean acpi, boolean apic, boolean pae, boolean usb,
            List<String> usbdevices, Optional<String> description, OptionalInt hotplugSlots) {
        this(name, uuid, type, memory, maxmem, vcpus, cpus, cpuWeight, cpuCap, kernel, ramdisk, extra, root, cmdline,
                bootloader, disks, vifs, vfbs, serial, boot, stdvga, nographic, onPoweroff, onReboot, onCrash, localtime,
                acpi, apic, pae, usb, usbdevices, description, hotplugSlots, 0, 0);
    }

    /** The PCIe hot-plug slots a pv domain gets (0 for hvm, whose PC has ACPI PCI hot-plug of its own). */
    public int hotplugSlotCount() {
        return type == DomainType.PV ? hotplugSlots.orElse(DEFAULT_HOTPLUG_SLOTS) : 0;
    }

    /** Xen's CPU lists: CPUs and ranges, {@code ^} to exclude, {@code nodes:} for NUMA nodes, or {@code all}. */
    private static final Pattern CPUS = Pattern.compile(
            "\\s*(all|\\^?(nodes:)?[0-9]+(-[0-9]+)?)(\\s*,\\s*\\^?(nodes:)?[0-9]+(-[0-9]+)?)*\\s*");

    /** Whether {@code cpus} is a CPU list Xen reads, such as {@code 0-3,^2} or {@code all}. */
    static boolean validCpus(String cpus) {
        return CPUS.matcher(cpus).matches();
    }

    private static Optional<String> text(String key, Optional<String> value) {
        Objects.requireNonNull(value, key);
        value.ifPresent(v -> {
            if (v.indexOf('\0') >= 0) throw new IllegalArgumentException(key + " contains NUL");
        });
        return value.filter(v -> !v.isEmpty());
    }

    /** The longest name in UTF-8 bytes: what xl can write to Xen's store at {@code /vm/<uuid>/name} (4096-byte payload). */
    public static final int MAX_NAME_BYTES = 4096 - "/vm/00000000-0000-0000-0000-000000000000/name".length() - 1;
    private static final Pattern UUID_FORM = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /**
     * Domain names vmhost accepts: every name xl accepts ({@code #}, spaces, {@code /}, non-ASCII letters ...)
     * except those a domain reference could not tell apart from something else. Places that need a narrower
     * form (a DNS name, a QEMU option) derive it there; the name itself is never changed.
     */
    public static boolean validName(String name) {
        return nameProblem(name).isEmpty();
    }

    /**
     * Why {@code name} cannot be a domain's name, or empty when it can. xm and xl read a reference made of
     * digits as a domain id, one shaped like a UUID as a UUID, and {@code Domain-0} is the host itself. A
     * control character (xl's {@code "\n"} escapes) would break xm list's lines and the logs, so it is
     * refused too.
     */
    public static Optional<String> nameProblem(String name) {
        if (name.isEmpty()) return Optional.of("a domain needs a name");
        if (name.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.of("a name of digits only would be read as a domain id");
        }
        if (UUID_FORM.matcher(name).matches()) return Optional.of("a name shaped like a UUID would be read as a UUID");
        if (name.equals("Domain-0")) return Optional.of("Domain-0 is the host's own domain (id 0)");
        for (int i = 0; i < name.length(); i += Character.charCount(name.codePointAt(i))) {
            int c = name.codePointAt(i);
            if (Character.isISOControl(c)) {
                return Optional.of(String.format("control character U+%04X in a name would break xm list and the logs", c));
            }
            if (Character.isSurrogate((char) c)) return Optional.of("the name is not valid Unicode text");
        }
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            return Optional.of("longer than " + MAX_NAME_BYTES + " bytes (UTF-8), more than Xen's store holds");
        }
        return Optional.empty();
    }

    /** The same configuration with other disks: what block-attach, block-detach and block-configure keep. */
    public DomainConfig withDisks(List<DiskConfig> newDisks) {
        return new DomainConfig(name, uuid, type, memory, maxmem, vcpus, cpus, cpuWeight, cpuCap, kernel, ramdisk, extra,
                root, cmdline, bootloader, newDisks, vifs, vfbs, serial, boot, stdvga, nographic, onPoweroff, onReboot,
                onCrash, localtime, acpi, apic, pae, usb, usbdevices, description, hotplugSlots, autoStartOrder, autoStartDelay);
    }

    /** The kernel command line the guest gets: {@code cmdline}, or {@code root=ROOT EXTRA} as xm built it. */
    public Optional<String> kernelCommandLine() {
        if (cmdline.isPresent()) return cmdline;
        StringBuilder sb = new StringBuilder();
        root.ifPresent(r -> sb.append("root=").append(r));
        extra.ifPresent(e -> sb.append(sb.isEmpty() ? "" : " ").append(e));
        return sb.isEmpty() ? Optional.empty() : Optional.of(sb.toString());
    }
}
