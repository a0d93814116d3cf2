package org.vmhost.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden files under {@code src/test/resources/config/golden}: for each valid {@code NAME.cfg}, the text vmhost
 * writes back ({@code NAME.cfg.out}), its SXP ({@code NAME.sxp}) and its warnings ({@code NAME.warnings}, absent
 * when there are none); for each invalid one, the error ({@code NAME.error}) with its file, line and column.
 *
 * <p>Run with {@code -Dgolden.update=true} to rewrite the expected files after a deliberate change, then read
 * the diff.
 */
class GoldenFilesTest {

    private static final Path GOLDEN = Path.of("src/test/resources/config/golden");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");

    static Stream<String> valid() throws IOException {
        return configs(GOLDEN.resolve("valid"));
    }

    static Stream<String> invalid() throws IOException {
        return configs(GOLDEN.resolve("invalid"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void aValidFileWritesBackAsItsGoldenTextAndSxp(String name) throws Exception {
        Path dir = GOLDEN.resolve("valid");
        LoadedConfig loaded = load(dir, name);
        String text = ConfigWriter.write(loaded.config());
        String sxp = SxpWriter.write(loaded.config());
        String warnings = loaded.warnings().stream().map(w -> w + "\n").collect(Collectors.joining());
        check(dir.resolve(name + ".out"), text);
        check(dir.resolve(name.replaceAll("\\.cfg$", ".sxp")), sxp);
        check(dir.resolve(name.replaceAll("\\.cfg$", ".warnings")), warnings);
        // the written text is canonical: it reads back to the same domain, which writes the same text
        LoadedConfig again = ConfigLoader.parse(name + ".out", text, List.of());
        assertThat(again.config()).isEqualTo(loaded.config());
        assertThat(again.warnings()).extracting(ConfigWarning::message).noneMatch(m -> m.endsWith("; ignored"));
        assertThat(ConfigWriter.write(again.config())).isEqualTo(text);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void anInvalidFileFailsWithItsGoldenErrorAndLocation(String name) throws Exception {
        Path dir = GOLDEN.resolve("invalid");
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> load(dir, name));
        assertThat(e).as(name + " is refused").isNotNull();
        check(dir.resolve(name.replaceAll("\\.cfg$", ".error")), e.getMessage() + "\n");
        assertThat(e.getMessage()).startsWith(name + (e.line() > 0 ? ":" + e.line() : ""));
    }

    /** Reads a golden file under its bare name, so that messages do not depend on where the tests run. */
    private static LoadedConfig load(Path dir, String name) throws IOException, ConfigException {
        return ConfigLoader.parse(name, ConfigLoader.decode(Files.readAllBytes(dir.resolve(name))), List.of());
    }

    private static Stream<String> configs(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cfg")).sorted().toList();
            assertThat(names).isNotEmpty();
            return names.stream();
        }
    }

    private static void check(Path expectedFile, String actual) throws IOException {
        if (UPDATE) {
            if (actual.isEmpty()) {
                Files.deleteIfExists(expectedFile);
            } else {
                Files.writeString(expectedFile, actual, StandardCharsets.UTF_8);
            }
            return;
        }
        String expected = Files.exists(expectedFile) ? Files.readString(expectedFile, StandardCharsets.UTF_8) : "";
        assertThat(actual).as(expectedFile.toString()).isEqualTo(expected);
    }
}
