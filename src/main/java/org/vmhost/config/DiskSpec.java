package org.vmhost.config;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Disk specifications, the strings of {@code disk = [ ... ]}, in both of their forms.
 *
 * <ul>
 *   <li>xend's {@code uname,vdev[:cdrom],mode}: {@code phy:/dev/vg/web1,xvda,w}, {@code file:/img/a.raw,hda,w},
 *       {@code tap:aio:…}, {@code tap:qcow2:…}, {@code tap:vhd:…}, the empty CD-ROM drive {@code ,hdc:cdrom,r};
 *       modes {@code r}, {@code w} and xend's {@code w!}. A {@code phy:} name without a leading {@code /}
 *       is under {@code /dev}.</li>
 *   <li>xl's positional {@code target,format,vdev,access} and {@code key=value} parameters ({@code format=},
 *       {@code vdev=}, {@code access=}, {@code devtype=cdrom}, {@code backendtype=}), with {@code target=}
 *       last, taking the rest of the string, commas and all.</li>
 * </ul>
 * Parsing follows libxlutil's disk lexer; block scripts ({@code script=}, {@code iscsi:}, {@code drbd:} …)
 * are refused, since vmhost opens disks itself. NBD exports, which QEMU reads natively, are disks of their
 * own ({@link NbdExport}): xm's {@code nbd:HOST PORT} / {@code nbd:HOST:PORT} and a target
 * {@code nbd://HOST:PORT/EXPORT}.
 */
public final class DiskSpec {

    private static final Pattern KEY_VALUE = Pattern.compile("([a-z][-a-z0-9_]*)=([^,]*),?");
    private static final Pattern FLAG = Pattern.compile("(cdrom|direct-io-safe|discard|no-discard|colo|no-colo"
            + "|trusted|untrusted)\\s*(,|$)");
    private static final Pattern PREFIX = Pattern.compile("([a-z][a-z0-9]*):");
    private static final Set<String> FILE_PREFIXES = Set.of("file", "tap", "tap2", "tapdisk", "aio", "ioemu");
    private static final Set<String> SCRIPT_PREFIXES = Set.of("iscsi", "enbd", "drbd");
    private static final Set<String> IGNORED_KEYS = Set.of("specification", "colo-host", "colo-port",
            "colo-export", "active-disk", "hidden-disk", "grant_usage");

    private DiskSpec() {
    }

    /**
     * Reads one disk specification.
     *
     * @param warnings told of parameters that are accepted but have no effect in vmhost
     * @throws ConfigValueException naming the spec and what is wrong with it (key {@code disk}, no location)
     */
    public static DiskConfig parse(String spec, Consumer<String> warnings) throws ConfigValueException {
        try {
            return new Parser(spec, warnings).parse();
        } catch (IllegalArgumentException e) { // from DiskConfig's own checks
            throw invalid(spec, e.getMessage());
        }
    }

    /**
     * Writes a disk as a specification {@link #parse} reads back to the same disk: xend's form where it can
     * say everything, xl's {@code key=value} form (with {@code target=} last) otherwise.
     */
    public static String format(DiskConfig disk) {
        String vdev = disk.vdev() + (disk.cdrom() ? ":cdrom" : "");
        String mode = disk.access().mode();
        if (disk.empty()) {
            if (disk.backend() == DiskBackend.FILE && disk.format() == DiskFormat.RAW) return "," + vdev + "," + mode;
            return xlForm(disk);
        }
        String target = disk.target().orElseThrow();
        Optional<String> prefix = xendPrefix(disk);
        boolean plain = target.startsWith("/") && target.indexOf(',') < 0 && target.indexOf('=') < 0
                && target.equals(target.strip());
        if (prefix.isPresent() && plain) return prefix.get() + target + "," + vdev + "," + mode;
        return xlForm(disk);
    }

    /**
     * The backend of a disk as {@code xm block-list -l} names it: xend's {@code uname}, or, for a format xend had
     * no prefix for, {@code FORMAT:TARGET}; empty for an empty CD-ROM drive.
     */
    public static String uname(DiskConfig disk) {
        if (disk.empty()) return "";
        if (disk.backend() == DiskBackend.NBD) return disk.target().orElseThrow();
        return xendPrefix(disk).orElse(disk.format().configName() + ":") + disk.target().orElseThrow();
    }

    /**
     * xend's {@code uname} of a disk, as {@code xm list -l} shows it ({@code tap:qcow2:/img/a.qcow2});
     * empty when xend had no prefix for its backend and format.
     */
    static Optional<String> xendPrefix(DiskConfig disk) {
        if (disk.backend() == DiskBackend.NBD) return Optional.empty();
        if (disk.backend() == DiskBackend.PHY) return disk.format() == DiskFormat.RAW ? Optional.of("phy:") : Optional.empty();
        return switch (disk.format()) {
            case RAW -> Optional.of("file:");
            case QCOW2 -> Optional.of("tap:qcow2:");
            case QCOW -> Optional.of("tap:qcow:");
            case VHD -> Optional.of("tap:vhd:");
            case QED -> Optional.empty();
        };
    }

    private static String xlForm(DiskConfig disk) {
        StringBuilder sb = new StringBuilder();
        sb.append("format=").append(disk.format().configName());
        sb.append(",vdev=").append(disk.vdev());
        sb.append(",access=").append(disk.access().mode());
        if (disk.cdrom()) sb.append(",devtype=cdrom");
        sb.append(",backendtype=").append(disk.backend() == DiskBackend.PHY ? "phy" : "qdisk");
        disk.target().ifPresent(t -> sb.append(",target=").append(t));
        return sb.toString();
    }

    private static ConfigValueException invalid(String spec, String reason) {
        return new ConfigValueException("", 0, "disk", "'" + spec + "': " + reason);
    }

    /** One pass over the spec, in libxlutil's order: parameters, deprecated prefixes, positional values. */
    private static final class Parser {
        private final String spec;
        private final Consumer<String> warnings;
        private String target;
        private DiskFormat format;
        private boolean formatEmpty;
        private String vdev;
        private boolean cdrom;
        private DiskAccess access;
        private DiskBackend backend;
        private boolean hadPrefix;
        private boolean phyPrefix;

        Parser(String spec, Consumer<String> warnings) {
            this.spec = spec;
            this.warnings = warnings;
        }

        DiskConfig parse() throws ConfigValueException {
            int i = 0;
            while (i < spec.length()) {
                while (i < spec.length() && Character.isWhitespace(spec.charAt(i))) i++;
                if (i >= spec.length()) break;
                String rest = spec.substring(i);
                if (rest.startsWith("target=")) {
                    String t = rest.substring("target=".length());
                    if (t.endsWith(",")) t = t.substring(0, t.length() - 1);
                    setTarget(t);
                    break;
                }
                Matcher kv = KEY_VALUE.matcher(rest);
                if (kv.lookingAt()) {
                    parameter(kv.group(1), kv.group(2).strip());
                    i += kv.end();
                    continue;
                }
                Matcher flag = FLAG.matcher(rest);
                if (flag.lookingAt()) {
                    if (flag.group(1).equals("cdrom")) {
                        cdrom = true;
                    } else {
                        warnings.accept("disk '" + spec + "': '" + flag.group(1) + "' has no effect in vmhost; ignored");
                    }
                    i += flag.end();
                    continue;
                }
                if (rest.startsWith("nbd:") && target == null) {
                    // the server's address up to the next comma, spaces and all (xm's "nbd:HOST PORT")
                    int comma = rest.indexOf(',');
                    setTarget((comma < 0 ? rest : rest.substring(0, comma)).strip());
                    i += comma < 0 ? rest.length() : comma + 1;
                    // xm's prefix form goes on with vdev; xl's positional nbd:// URL with its format
                    hadPrefix = hadPrefix || !rest.startsWith("nbd://");
                    continue;
                }
                Matcher prefix = PREFIX.matcher(rest);
                if (prefix.lookingAt() && prefix(prefix.group(1), rest.substring(prefix.end()))) {
                    i += prefix.end();
                    continue;
                }
                int comma = rest.indexOf(',');
                String token = comma < 0 ? rest : rest.substring(0, comma);
                i += comma < 0 ? rest.length() : comma + 1;
                positional(token.strip());
            }
            return build();
        }

        /** Handles {@code name:} at the start of a parameter; false if it is part of a positional value. */
        private boolean prefix(String name, String after) throws ConfigValueException {
            switch (name) {
                case "phy" -> {
                    backend = DiskBackend.PHY;
                    phyPrefix = true;
                }
                case "raw", "qcow", "qcow2", "vhd" -> {
                    setFormat(name);
                    backend = backend == null ? DiskBackend.FILE : backend;
                }
                default -> {
                    if (FILE_PREFIXES.contains(name)) {
                        backend = backend == null ? DiskBackend.FILE : backend;
                    } else if (SCRIPT_PREFIXES.contains(name)) {
                        throw invalid(spec, "'" + name + ":' disks need Xen's block-" + name
                                + " script, which vmhost does not run; give a file or block device");
                    } else if (after.isEmpty() || !Character.isLetterOrDigit(after.charAt(0))) {
                        throw invalid(spec, "unknown disk prefix '" + name + ":' (phy:, file:, tap:aio:, "
                                + "tap:qcow2: or tap:vhd:)");
                    } else {
                        return false; // e.g. rbd:pool/image, a positional target
                    }
                }
            }
            hadPrefix = true;
            return true;
        }

        private void parameter(String key, String value) throws ConfigValueException {
            switch (key) {
                case "format" -> setFormat(value);
                case "devtype" -> {
                    switch (value) {
                        case "cdrom" -> cdrom = true;
                        case "disk" -> cdrom = false;
                        default -> throw invalid(spec, "unknown devtype '" + value + "' (cdrom or disk)");
                    }
                }
                case "access" -> setAccess(value);
                case "vdev" -> setVdev(value);
                case "backendtype" -> backend = switch (value) {
                    case "phy" -> DiskBackend.PHY;
                    case "tap", "qdisk", "standalone" -> DiskBackend.FILE;
                    default -> throw invalid(spec, "unknown backendtype '" + value + "' (phy, qdisk or tap)");
                };
                case "backend" -> {
                    if (!value.equals("0") && !value.equals("Domain-0")) {
                        warnings.accept("disk '" + spec + "': backend domain '" + value
                                + "' is not supported; the disk is served by the host");
                    }
                }
                case "script" -> throw invalid(spec, "block script '" + value
                        + "' is not supported (vmhost opens disks itself); give a file or block device");
                default -> {
                    if (!IGNORED_KEYS.contains(key)) throw invalid(spec, "unknown parameter '" + key + "'");
                    warnings.accept("disk '" + spec + "': '" + key + "' has no effect in vmhost; ignored");
                }
            }
        }

        private void positional(String token) throws ConfigValueException {
            if (token.indexOf('=') >= 0) {
                throw invalid(spec, "unknown parameter '" + token.substring(0, token.indexOf('=')) + "'");
            }
            if (target == null) {
                setTarget(token);
            } else if (!hadPrefix && format == null && !formatEmpty) {
                if (target.isEmpty() && vdevWithType(token)) {
                    formatEmpty = true;
                } else {
                    Optional<DiskFormat> f = formatNamed(token);
                    if (f.isEmpty()) {
                        throw invalid(spec, "'" + token + "' is not a disk format (raw, qcow, qcow2, vhd or qed); "
                                + "in xm's form the target needs a prefix such as phy: or file:");
                    }
                    format = f.get();
                }
            } else if (vdev == null) {
                if (!vdevWithType(token)) setVdev(token);
            } else if (access == null) {
                setAccess(token);
            } else {
                throw invalid(spec, "too many values (expected target, format, vdev and access)");
            }
        }

        /** {@code hdc:cdrom}, and xend's {@code ioemu:hda}; false if the token has no type. */
        private boolean vdevWithType(String token) throws ConfigValueException {
            String t = token.startsWith("ioemu:") ? token.substring("ioemu:".length()) : token;
            int colon = t.lastIndexOf(':');
            if (colon < 0) {
                if (t.equals(token)) return false;
                setVdev(t);
                return true;
            }
            setVdev(t.substring(0, colon));
            switch (t.substring(colon + 1)) {
                case "cdrom" -> cdrom = true;
                case "disk" -> cdrom = false;
                default -> throw invalid(spec, "unknown device type '" + t.substring(colon + 1) + "' (cdrom or disk)");
            }
            return true;
        }

        private void setTarget(String t) throws ConfigValueException {
            if (target != null && !target.isEmpty()) throw invalid(spec, "target given twice");
            target = t;
        }

        private void setVdev(String v) throws ConfigValueException {
            if (vdev != null) throw invalid(spec, "vdev given twice");
            vdev = v;
        }

        private void setFormat(String word) throws ConfigValueException {
            if (word.equals("empty")) {
                formatEmpty = true;
                return;
            }
            Optional<DiskFormat> f = formatNamed(word);
            if (f.isEmpty()) throw invalid(spec, "unknown format '" + word + "' (raw, qcow, qcow2, vhd or qed)");
            if (format != null && format != f.get()) throw invalid(spec, "format given twice");
            format = f.get();
        }

        private static Optional<DiskFormat> formatNamed(String word) {
            if (word.isEmpty()) return Optional.of(DiskFormat.RAW);
            for (DiskFormat f : DiskFormat.values()) {
                if (f.configName().equals(word)) return Optional.of(f);
            }
            return Optional.empty();
        }

        private void setAccess(String mode) throws ConfigValueException {
            access = switch (mode.toLowerCase(Locale.ROOT)) {
                case "r", "ro" -> DiskAccess.READ_ONLY;
                case "w", "rw", "" -> DiskAccess.READ_WRITE;
                case "w!" -> DiskAccess.SHARED_WRITE;
                default -> throw invalid(spec, "unknown access mode '" + mode + "' (r, w or w!)");
            };
        }

        private DiskConfig build() throws ConfigValueException {
            if (vdev == null || vdev.isEmpty()) throw invalid(spec, "no virtual device name (such as xvda or hdc)");
            Optional<String> t = Optional.ofNullable(target).filter(s -> !s.isEmpty());
            if (formatEmpty && t.isPresent()) throw invalid(spec, "format 'empty' with a target");
            if (phyPrefix && t.isPresent() && !t.get().startsWith("/")) t = Optional.of("/dev/" + t.get());
            DiskBackend b = backend != null ? backend
                    : t.filter(s -> s.startsWith("/dev/")).isPresent() ? DiskBackend.PHY : DiskBackend.FILE;
            if (t.isPresent() && NbdExport.names(t.get())) {
                if (b == DiskBackend.PHY) throw invalid(spec, "an NBD export is read by QEMU, not a host device: drop phy");
                try {
                    t = Optional.of(NbdExport.parse(t.get()).url());
                } catch (IllegalArgumentException e) {
                    throw invalid(spec, e.getMessage());
                }
                b = DiskBackend.NBD;
            }
            DiskAccess a = access != null ? access : cdrom ? DiskAccess.READ_ONLY : DiskAccess.READ_WRITE;
            return new DiskConfig(vdev, t, b, format == null ? DiskFormat.RAW : format, a, cdrom);
        }
    }
}
