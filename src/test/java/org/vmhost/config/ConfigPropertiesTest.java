package org.vmhost.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Properties of the whole language: every configuration vmhost can hold writes to text that reads back to it,
 * and no input, however broken, makes the reader do anything but give a configuration or a clean error.
 */
class ConfigPropertiesTest {

    /** Generous for one parse of a few hundred characters; a loop that never ends is what it catches. */
    private static final Duration LIMIT = Duration.ofSeconds(5);

    @Property(tries = 500)
    void everyConfigurationWritesToTextThatReadsBackToIt(@ForAll("configs") DomainConfig config) throws Exception {
        String text = ConfigWriter.write(config);
        LoadedConfig read = ConfigLoader.parse("generated.cfg", text, List.of());
        assertThat(read.config()).isEqualTo(config);
        assertThat(ConfigWriter.write(read.config())).isEqualTo(text);
    }

    @Property(tries = 300)
    void everyConfigurationHasBalancedSxp(@ForAll("configs") DomainConfig config) {
        String sxp = SxpWriter.write(config);
        assertThat(sxp).startsWith("(domain").endsWith(")\n");
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < sxp.length(); i++) {
            char c = sxp.charAt(i);
            if (quote != 0) {
                if (c == '\\') i++;
                else if (c == quote) quote = 0;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
                assertThat(depth).isNotNegative();
            }
        }
        assertThat(depth).isZero();
    }

    @Property(tries = 1000)
    void everyDiskWritesToASpecThatReadsBackToIt(@ForAll("disks") DiskConfig disk) throws Exception {
        assertThat(DiskSpec.parse(DiskSpec.format(disk), w -> { })).isEqualTo(disk);
    }

    @Property(tries = 2000)
    void arbitraryBytesGiveAConfigurationOrACleanError(@ForAll @Size(max = 300) byte[] bytes) {
        readsCleanly(ConfigLoader.decode(bytes));
    }

    @Property(tries = 3000)
    void arbitraryTokenSoupGivesAConfigurationOrACleanError(@ForAll("soup") String text) {
        readsCleanly(text);
    }

    @Property(tries = 1000)
    void arbitraryOverridesGiveAConfigurationOrACleanError(@ForAll("soup") String override) {
        assertTimeoutPreemptively(LIMIT, () -> {
            try {
                ConfigLoader.parse("web1.cfg", "name = 'web1'\nkernel = '/boot/vmlinuz'\n", List.of(override));
            } catch (ConfigException e) {
                assertThat(e.getMessage()).startsWith(e instanceof ConfigSyntaxException ? "argument '" : "");
            }
        });
    }

    @Property(tries = 2000)
    void arbitrarySpecsGiveADeviceOrACleanError(@ForAll("specSoup") String spec) {
        assertTimeoutPreemptively(LIMIT, () -> {
            for (String kind : List.of("disk", "vif", "vfb")) {
                try {
                    switch (kind) {
                        case "disk" -> DiskSpec.parse(spec, w -> { });
                        case "vif" -> VifSpec.parse(spec, w -> { });
                        default -> VfbSpec.parse(spec, w -> { });
                    }
                } catch (ConfigValueException e) {
                    assertThat(e.key()).isEqualTo(kind);
                }
            }
        });
    }

    private static void readsCleanly(String text) {
        assertTimeoutPreemptively(LIMIT, () -> {
            try {
                ConfigLoader.parse("fuzz.cfg", text, List.of());
            } catch (ConfigSyntaxException e) {
                assertThat(e.getMessage()).startsWith("fuzz.cfg:" + e.line() + ":" + e.column() + ": ");
                assertThat(e.line()).isPositive();
                assertThat(e.column()).isPositive();
            } catch (ConfigValueException e) {
                assertThat(e.getMessage()).startsWith("fuzz.cfg");
            }
        });
    }

    // --- generators ---

    @Provide
    Arbitrary<String> soup() {
        Arbitrary<String> token = Arbitraries.of("name", "memory", "kernel", "builder", "disk", "vif", "vfb", "vnc",
                "extra", "cpus", "boot", "uuid", "on_crash", "usbdevice", "serial", "maxmem", "vcpus", "x.y", "def",
                "import", "if", "True", " = ", "=", "+=", ";", ",", "[", "]", "[ ", " ]", "\n", "\r\n", "\r", "\t",
                " ", "# comment\n", "#", "'web1'", "\"web 1\"", "'/boot/vmlinuz'", "'hvm'", "'linux'", "'pvh'",
                "'phy:/dev/vg/a,xvda,w'", "',hdc:cdrom,r'", "'vdev=xvdb,target=/a,b'", "'bridge=xenbr0'", "''",
                "'vnc=1,vncdisplay=3'", "'yes'", "'0-3,^2'", "'dc'", "'preserve'", "1", "0", "256", "0x10", "010",
                "08", "1abc", "-1", "1.5", "(", ")", "%", "*", "'\\n'", "'\\q'", "'unterminated", "\"", "\\", "\0",
                "é", "A", "\uFEFF", "'c7a5fdb2-cdaf-9455-926a-d65c16db1809'");
        return token.list().ofMaxSize(40).map(tokens -> String.join("", tokens));
    }

    @Provide
    Arbitrary<String> specSoup() {
        Arbitrary<String> token = Arbitraries.of("phy:", "file:", "tap:", "aio:", "qcow2:", "vhd:", "nbd:", "rbd:",
                "ioemu:", "/dev/vg/a", "/img/a.qcow2", "xvda", "hdc", "sda1", ":cdrom", ":disk", ",", " ", "w", "r",
                "w!", "rw", "ro", "format=", "vdev=", "access=", "devtype=", "cdrom", "target=", "backendtype=",
                "phy", "qdisk", "raw", "empty", "script=", "backend=", "discard", "mac=", "00:16:3e:00:00:01",
                "bridge=", "xenbr0", "ip=", "rate=", "10Mb/s", "vnc=", "sdl=", "type=", "vnc", "sdl", "1", "0",
                "vncdisplay=", "-1", "keymap=", "=", "\n", "\0", "é");
        return token.list().ofMaxSize(20).map(tokens -> String.join("", tokens));
    }

    @Provide
    Arbitrary<DomainConfig> configs() {
        Arbitrary<DomainType> type = Arbitraries.of(DomainType.class);
        Arbitrary<Integer> memory = Arbitraries.integers().between(1, 65536);
        Arbitrary<Integer> extraMem = Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(1, 4096));
        Arbitrary<Integer> vcpus = Arbitraries.integers().between(1, 255);
        Arbitrary<Optional<String>> cpus = Arbitraries.of("0", "0-3", "0-3,^2", "all", "1,3,5", "nodes:0-1", " 2 , 4-7 ")
                .optional();
        Arbitrary<Integer> weight = Arbitraries.integers().between(1, 65535);
        Arbitrary<Integer> cap = Arbitraries.integers().between(0, 1000);
        Arbitrary<Optional<UUID>> uuid = Arbitraries.randomValue(r -> new UUID(r.nextLong(), r.nextLong())).optional();

        Arbitrary<Object[]> sizing = Combinators.combine(type, memory, extraMem, vcpus, cpus, weight, cap, uuid)
                .as((t, m, x, v, c, w, k, u) -> new Object[]{t, m, m + x, v, c, w, k, u});
        Arbitrary<Object[]> boot = Combinators.combine(path(), text().optional(), text().optional(),
                text().optional(), text().optional(), text().optional(), path().optional())
                .as((k, r, e, root, cmd, bl, hvmKernel) -> new Object[]{k, r, e, root, cmd, bl, hvmKernel});
        Arbitrary<Object[]> devices = Combinators.combine(disks().list().ofMaxSize(4), vifs().list().ofMaxSize(3),
                vfbs().list().ofMaxSize(2), text().optional(), Arbitraries.strings().withChars("acdn").ofMinLength(1)
                        .ofMaxLength(4), Arbitraries.of(LifecycleAction.class).list().ofSize(3))
                .as((d, v, f, s, b, a) -> new Object[]{uniqueVdevs(d), v, f, s, b, a});
        Arbitrary<Object[]> flags = Combinators.combine(Arbitraries.of(true, false).list().ofSize(7),
                text().list().ofMaxSize(2), text().optional(), names())
                .as((b, u, desc, n) -> new Object[]{b, u, desc, n});

        return Combinators.combine(sizing, boot, devices, flags).as(ConfigPropertiesTest::domain);
    }

    @SuppressWarnings("unchecked")
    private static DomainConfig domain(Object[] s, Object[] b, Object[] d, Object[] f) {
        DomainType type = (DomainType) s[0];
        // a pv domain boots its kernel; an hvm one may boot one directly (never xm's hvmloader)
        Optional<String> kernel = type == DomainType.PV ? Optional.of((String) b[0]) : (Optional<String>) b[6];
        List<Boolean> flags = (List<Boolean>) f[0];
        List<LifecycleAction> actions = (List<LifecycleAction>) d[5];
        return new DomainConfig((String) f[3], (Optional<UUID>) s[7], type, (int) s[1], (int) s[2], (int) s[3],
                (Optional<String>) s[4], (int) s[5], (int) s[6], kernel, (Optional<String>) b[1],
                (Optional<String>) b[2], (Optional<String>) b[3], (Optional<String>) b[4], (Optional<String>) b[5],
                (List<DiskConfig>) d[0], (List<VifConfig>) d[1], (List<VfbConfig>) d[2], (Optional<String>) d[3],
                (String) d[4], flags.get(0), flags.get(1), actions.get(0), actions.get(1), actions.get(2),
                flags.get(2), flags.get(3), flags.get(4), flags.get(5), flags.get(6), (List<String>) f[1],
                (Optional<String>) f[2]);
    }

    private static List<DiskConfig> uniqueVdevs(List<DiskConfig> disks) {
        Map<String, DiskConfig> byVdev = new LinkedHashMap<>();
        for (DiskConfig d : disks) byVdev.putIfAbsent(d.vdev(), d);
        return new ArrayList<>(byVdev.values());
    }

    /** Any text a user might write in a string, quotes, backslashes, control characters and accents included. */
    private static Arbitrary<String> text() {
        return Arbitraries.strings().withCharRange(' ', '~').withChars("\t\n\r\u0007\b\f\u000bé€ü")
                .ofMinLength(1).ofMaxLength(24);
    }

    private static Arbitrary<String> path() {
        return Arbitraries.strings().withCharRange('a', 'z').withChars("0123456789._-/").ofMinLength(1).ofMaxLength(20)
                .map(p -> "/" + p);
    }

    private static Arbitrary<String> names() {
        return Arbitraries.strings().withCharRange('a', 'z').withChars("ABCXYZ0123456789._-+@&#,'\" /\\éü日\u00a0").ofMinLength(1)
                .ofMaxLength(20).filter(DomainConfig::validName);
    }

    private static Arbitrary<String> word() {
        return Arbitraries.strings().withCharRange('a', 'z').withChars("0123456789.:-").ofMinLength(1).ofMaxLength(12);
    }

    @Provide
    Arbitrary<DiskConfig> disks() {
        Arbitrary<String> vdev = Arbitraries.oneOf(
                Combinators.combine(Arbitraries.of("xvd", "sd", "vd"), Arbitraries.chars().range('a', 'p'),
                        Arbitraries.integers().between(0, 15)).as((p, l, n) -> p + l + (n == 0 ? "" : n)),
                Combinators.combine(Arbitraries.chars().range('a', 'd'), Arbitraries.integers().between(0, 63))
                        .as((l, n) -> "hd" + l + (n == 0 ? "" : n)));
        // targets that xend's form can say, and ones only xl's target= can (commas, '=', blanks, relative)
        Arbitrary<String> target = Arbitraries.oneOf(path(), text().filter(t -> !t.endsWith(",")),
                path().map(p -> p + ",x=y " ), Arbitraries.just("/dev/vg0/data"));
        return Combinators.combine(vdev, target.optional(), Arbitraries.of(DiskBackend.class),
                        Arbitraries.of(DiskFormat.class), Arbitraries.of(DiskAccess.class), Arbitraries.of(true, false))
                .as((v, t, b, f, a, cd) -> new DiskConfig(v, b == DiskBackend.NBD
                        // an NBD disk's target is its export's URL; the text becomes the export's name
                        ? Optional.of(new NbdExport("nbd.example", 10809,
                                t.filter(x -> x.chars().noneMatch(Character::isISOControl))).url())
                        : t.isEmpty() && !cd ? Optional.of("/img/" + v) : t,
                        b, f, a, cd));
    }

    private static Arbitrary<VifConfig> vifs() {
        Arbitrary<Optional<String>> mac = Arbitraries.integers().between(0, 0xffffff)
                .map(n -> String.format("00:16:3e:%02x:%02x:%02x", n >> 16, (n >> 8) & 0xff, n & 0xff)).optional();
        Arbitrary<Optional<String>> ip = Arbitraries.of("10.0.0.2", "10.0.0.2 10.0.0.3", "192.168.1.1").optional();
        Arbitrary<Optional<String>> rate = Arbitraries.of("10Mb/s", "1GB/s@20ms", "512Kb/s").optional();
        return Combinators.combine(mac, word().optional(), ip, word().optional(), Arbitraries.of("ioemu", "vif")
                        .optional(), Arbitraries.of("e1000", "rtl8139", "virtio").optional(), word().optional(), rate)
                .as(VifConfig::new);
    }

    private static Arbitrary<VfbConfig> vfbs() {
        return Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(true, false),
                        Arbitraries.of("127.0.0.1", "0.0.0.0", "::1").optional(),
                        Arbitraries.integers().between(0, 100).optional(), Arbitraries.of(true, false),
                        word().optional(), Arbitraries.of("en-us", "de", "fr").optional())
                .as((vnc, sdl, listen, display, unused, passwd, keymap) -> new VfbConfig(vnc, sdl, listen,
                        display.map(OptionalInt::of).orElse(OptionalInt.empty()), unused, passwd, keymap));
    }
}
