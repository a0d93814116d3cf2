package org.vmhost;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of the design, read from the sources: {@code config} depends on nothing else in vmhost,
 * and the front ends ({@code api}, {@code cli}, {@code web}) reach QEMU and the store only through the domain
 * service.
 */
class ArchitectureTest {

    private static final Path MAIN = Path.of("src/main/java/org/vmhost");
    private static final Pattern REFERENCE = Pattern.compile("\\borg\\.vmhost\\.([a-z0-9_.]+)");

    /** One use of another vmhost package: the file, and the package or class it names. */
    private record Use(Path file, String target) {
        @Override
        public String toString() {
            return MAIN.relativize(file) + " uses org.vmhost." + target;
        }
    }

    @Test
    void configImportsNothingFromOtherVmhostPackages() throws IOException {
        assertThat(uses("config")).filteredOn(u -> !u.target().startsWith("config")).isEmpty();
    }

    @Test
    void frontEndsNeverUseQemuOrTheStore() throws IOException {
        for (String frontEnd : List.of("api", "cli", "web")) {
            assertThat(uses(frontEnd)).as(frontEnd)
                    .filteredOn(u -> u.target().matches("(qemu|store)(\\..*)?")).isEmpty();
        }
    }

    @Test
    void theRulesSeeImports() throws IOException {
        // guards the test itself: the CLI does use config, so the scan must find it
        assertThat(uses("cli")).anyMatch(u -> u.target().startsWith("config."));
    }

    /** Every import (static ones too) and fully qualified name outside comments, in the package's files. */
    private static List<Use> uses(String pkg) throws IOException {
        Path dir = MAIN.resolve(pkg);
        List<Use> uses = new ArrayList<>();
        if (!Files.isDirectory(dir)) return uses;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                for (String line : Files.readAllLines(file)) {
                    String code = line.strip();
                    if (code.startsWith("*") || code.startsWith("/*") || code.startsWith("//")) continue;
                    Matcher m = REFERENCE.matcher(code);
                    while (m.find()) uses.add(new Use(file, m.group(1)));
                }
            }
        }
        return uses;
    }
}
