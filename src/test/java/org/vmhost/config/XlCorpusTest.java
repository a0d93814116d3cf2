package org.vmhost.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shared corpus of real configuration files, each with what libxlutil (Xen 4.17) reads from it: vmhost
 * must accept exactly the files xl accepts, read the same values, and reject the others at the same line.
 */
class XlCorpusTest {

    /** Files that xl reads but that do not describe a domain vmhost can define, with why. */
    private static final Map<String, String> NOT_DOMAINS = Map.of(
            "xen-4.17.0-xl.conf.cfg", "name: missing",
            "xen-4.17.0-cpupool.cfg", "kernel: a pv domain boots its kernel directly");

    private static final ObjectMapper JSON = new ObjectMapper();

    static Path corpus() {
        Path dir = Path.of(System.getProperty("user.dir")).resolveSibling("shared").resolve("xl-corpus");
        assertThat(dir).as("the shared xl corpus, next to the project").isDirectory();
        return dir;
    }

    static Stream<String> files() throws IOException {
        try (Stream<Path> s = Files.list(corpus())) {
            List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cfg")).sorted().toList();
            assertThat(names).as("corpus files").hasSizeGreaterThanOrEqualTo(25);
            return names.stream();
        }
    }

    @Test
    void everyCorpusFileHasItsOracle() throws IOException {
        for (String name : files().toList()) {
            assertThat(corpus().resolve(oracleName(name))).exists();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void readerAgreesWithLibxlutil(String name) throws Exception {
        String text = ConfigLoader.decode(Files.readAllBytes(corpus().resolve(name)));
        JsonNode expected = JSON.readTree(corpus().resolve(oracleName(name)).toFile());
        if (expected.has("error")) {
            ConfigSyntaxException e = catchThrowableOfType(ConfigSyntaxException.class,
                    () -> ConfigReader.read(name, text));
            assertThat(e).as("xl rejects %s: %s", name, expected.get("error").asText()).isNotNull();
            assertThat(e.line()).as(e.getMessage()).isEqualTo(expected.get("line").asInt());
            assertThat(e.looksLikePython()).isTrue();
            assertThat(e.getMessage()).startsWith(name + ":" + e.line() + ":").contains("looks like Python");
            return;
        }
        RawConfig raw = ConfigReader.read(name, text);
        List<String> keys = new ArrayList<>();
        expected.fieldNames().forEachRemaining(keys::add);
        assertThat(raw.settings()).extracting(RawSetting::key).containsExactlyInAnyOrderElementsOf(keys);
        for (String key : keys) {
            assertSameValue(key, expected.get(key), raw.get(key).orElseThrow().value());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void everyDomainThatXlAcceptsIsADomainForVmhostToo(String name) throws Exception {
        JsonNode expected = JSON.readTree(corpus().resolve(oracleName(name)).toFile());
        if (expected.has("error")) return;
        Path file = corpus().resolve(name);
        if (NOT_DOMAINS.containsKey(name)) {
            assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                    .isInstanceOf(ConfigValueException.class)
                    .hasMessageContaining(NOT_DOMAINS.get(name));
            return;
        }
        LoadedConfig loaded = ConfigLoader.load(file, List.of());
        DomainConfig config = loaded.config();
        assertThat(config.name()).isEqualTo(expected.get("name").asText());
        if (expected.has("memory")) assertThat(config.memory()).isEqualTo(expected.get("memory").asInt());
        if (expected.has("disk")) assertThat(config.disks()).hasSize(expected.get("disk").size());
        if (expected.has("vif")) assertThat(config.vifs()).hasSize(expected.get("vif").size());
        // and what vmhost writes reads back to the same domain
        String written = ConfigWriter.write(config);
        assertThat(ConfigLoader.parse("written", written, List.of()).config()).isEqualTo(config);
    }

    private static void assertSameValue(String where, JsonNode expected, RawValue actual) {
        if (expected.isTextual()) {
            assertThat(actual).as(where).isInstanceOf(RawValue.Str.class);
            assertThat(((RawValue.Str) actual).value()).as(where).isEqualTo(expected.asText());
        } else if (expected.isNumber()) {
            assertThat(actual).as(where).isInstanceOf(RawValue.Num.class);
            assertThat(((RawValue.Num) actual).value()).as(where).hasValue(expected.asLong());
        } else {
            assertThat(expected.isArray()).as(where + " is a list in the oracle").isTrue();
            assertThat(actual).as(where).isInstanceOf(RawValue.ListValue.class);
            List<RawValue> items = ((RawValue.ListValue) actual).items();
            assertThat(items).as(where).hasSize(expected.size());
            Iterator<JsonNode> e = expected.elements();
            for (int i = 0; e.hasNext(); i++) assertSameValue(where + "[" + i + "]", e.next(), items.get(i));
        }
    }

    private static String oracleName(String cfg) {
        return cfg.substring(0, cfg.length() - ".cfg".length()) + ".expected.json";
    }
}
