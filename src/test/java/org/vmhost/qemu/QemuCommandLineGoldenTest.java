package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmhost.config.ConfigLoader;
import org.vmhost.config.DomainConfig;
import org.vmhost.config.VifConfig;

/**
 * Golden files under {@code src/test/resources/qemu/argv}: for each {@code NAME.cfg}, the argv
 * {@link QemuCommandLine} builds from it with the fixed context of {@link #context}, one argument per line
 * ({@code NAME.argv}). {@link QemuCommandLineAcceptedTest} starts QEMU with each of them.
 *
 * <p>Run with {@code -Dgolden.update=true} to rewrite the expected files after a deliberate change, then
 * read the diff.
 */
class QemuCommandLineGoldenTest {

    static final Path GOLDEN = Path.of("src/test/resources/qemu/argv");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");
    static final UUID UUID_FIXED = UUID.fromString("6f1c2b9e-3d4a-4e5f-9a8b-7c6d5e4f3a2b");
    static final int DOMID = 7;
    static final long TSC_KHZ = 2_294_608;

    static Stream<String> cases() throws IOException {
        try (Stream<Path> files = Files.list(GOLDEN)) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cfg"))
                    .map(n -> n.substring(0, n.length() - 4)).sorted().toList();
            assertThat(names).isNotEmpty();
            return names.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aConfigBuildsItsGoldenArgv(String name) throws Exception {
        DomainConfig config = load(name, List.of());
        Path run = Path.of("/run/vmhost", UUID_FIXED.toString());
        LaunchContext ctx = context(config, Path.of("qemu-system-x86_64"), run.resolve("qmp.sock"),
                run.resolve("console.sock"), Path.of("/var/log/vmhost/console", UUID_FIXED + ".log"), DOMID);

        List<String> argv = QemuCommandLine.build(config, ctx);

        check(GOLDEN.resolve(name + ".argv"), argv.stream().map(a -> a + "\n").collect(Collectors.joining()));
        assertThat(QemuCommandLine.build(config, ctx)).as("the same input builds the same argv").isEqualTo(argv);
    }

    @Test
    void noGoldenArgvIsLeftWithoutItsConfig() throws IOException {
        List<String> configs = cases().toList();
        try (Stream<Path> files = Files.list(GOLDEN)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".argv"))
                    .map(n -> n.substring(0, n.length() - 5))).allMatch(configs::contains);
        }
    }

    static DomainConfig load(String name, List<String> overrides) throws Exception {
        String text = Files.readString(GOLDEN.resolve(name + ".cfg"), StandardCharsets.UTF_8);
        return ConfigLoader.parse(name + ".cfg", text, overrides).config();
    }

    /**
     * The context of a test launch: tcg, a fixed UUID and TSC rate, the domain id as VNC display, QEMU as
     * {@code vmhost-qemu} with its VNC socket beside the QMP socket; each vif with {@code type=user} is
     * user-mode, any other one becomes a tap named by its vifname or {@code vifDOMID.N}; MACs from the
     * config, else 00:16:3e:00:00:N.
     */
    static LaunchContext context(DomainConfig config, Path emulator, Path qmp, Path console, Path consoleLog, int domid) {
        List<NicAttachment> nics = new ArrayList<>();
        for (int i = 0; i < config.vifs().size(); i++) {
            VifConfig vif = config.vifs().get(i);
            String ifname = vif.vifname().orElse("vif" + domid + "." + i);
            NicAttachment.Backend backend = vif.type().filter("user"::equals).isPresent() ? new NicAttachment.User()
                    : new NicAttachment.Tap(ifname);
            nics.add(new NicAttachment(vif.mac().orElse(String.format("00:16:3e:00:00:%02x", i + 1)), backend));
        }
        return new LaunchContext(emulator, "tcg", UUID_FIXED, qmp, console, consoleLog, nics,
                OptionalInt.of(domid), OptionalLong.of(TSC_KHZ), java.util.Optional.of("vmhost-qemu"),
                qmp.resolveSibling("vnc.sock"));
    }

    private static void check(Path expectedFile, String actual) throws IOException {
        if (UPDATE) {
            Files.writeString(expectedFile, actual, StandardCharsets.UTF_8);
            return;
        }
        String expected = Files.exists(expectedFile) ? Files.readString(expectedFile, StandardCharsets.UTF_8) : "";
        assertThat(actual).as(expectedFile.toString()).isEqualTo(expected);
    }
}
