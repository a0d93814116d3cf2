package org.vmhost;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of the design, read from the sources: {@code config} depends on nothing else in vmhost,
 * the front ends ({@code api}, {@code cli}, {@code web}) reach QEMU and the store only through the domain
 * service, errors and events are leaves, and the package graph has no cycle.
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
    void packagesFormNoCycle() throws IOException {
        Map<String, Set<String>> graph = packageGraph();
        assertThat(graph).as("the scan finds the packages").containsKeys("domain", "store", "qemu", "qemu.qmp", "error");
        List<List<String>> cycles = new ArrayList<>();
        for (String start : graph.keySet()) findCycle(graph, start, new ArrayList<>(), cycles);
        assertThat(cycles).as("package cycles (each is a path of imports back to its start)").isEmpty();
    }

    @Test
    void errorsAndEventsAreLeavesEveryLayerMayImport() throws IOException {
        Map<String, Set<String>> graph = packageGraph();
        assertThat(graph.get("error")).isEmpty();
        assertThat(graph.get("event")).isSubsetOf("error");
    }

    @Test
    void qemuVocabularyStaysInQemu() throws IOException {
        // A QMP command named by its string, or a device id spelled, outside qemu: that belongs in qemu.
        Pattern vocabulary = Pattern.compile("\\b(q|qmp|qmp\\(\\))\\.execute\\(\"|\"drive-|\"(device_add|device_del|netdev_add|netdev_del|"
                + "blockdev-[a-z-]+|qom-list|block_resize|change-vnc-password|system_powerdown|system_reset)\"");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                if (MAIN.relativize(file).startsWith("qemu")) continue;
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    if (vocabulary.matcher(lines.get(i)).find()) found.add(MAIN.relativize(file) + ":" + (i + 1) + ": " + lines.get(i).strip());
                }
            }
        }
        assertThat(found).isEmpty();
    }

    @Test
    void theCycleCheckSeesACycle() {
        Map<String, Set<String>> graph = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));
        List<List<String>> cycles = new ArrayList<>();
        findCycle(graph, "d", new ArrayList<>(), cycles);
        assertThat(cycles).containsExactly(List.of("a", "b", "c", "a"));
    }

    /** Package (relative to org.vmhost, dotted) to the other vmhost packages its main sources use. */
    private static Map<String, Set<String>> packageGraph() throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> dirs = Files.walk(MAIN)) {
            for (Path dir : dirs.filter(Files::isDirectory).filter(d -> !d.equals(MAIN)).toList()) {
                String pkg = MAIN.relativize(dir).toString().replace('/', '.');
                Set<String> targets = new TreeSet<>();
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                        for (Use u : usesIn(file)) targets.add(packageOf(u.target()));
                    }
                }
                targets.remove(pkg);
                graph.put(pkg, targets);
            }
        }
        return graph;
    }

    /** "qemu.qmp.QmpClient" and "qemu.qmp.QmpClient.Foo" name package "qemu.qmp"; "qemu.qmp" names itself. */
    private static String packageOf(String target) {
        List<String> parts = new ArrayList<>();
        for (String part : target.split("\\.")) {
            if (part.isEmpty() || Character.isUpperCase(part.charAt(0))) break;
            parts.add(part);
        }
        return String.join(".", parts);
    }

    /** Depth-first; records each cycle once, as found from its first member in sorted order. */
    private static void findCycle(Map<String, Set<String>> graph, String at, List<String> path, List<List<String>> cycles) {
        int seen = path.indexOf(at);
        if (seen >= 0) {
            List<String> cycle = new ArrayList<>(path.subList(seen, path.size()));
            cycle.add(at);
            if (cycles.stream().noneMatch(c -> new TreeSet<>(c).equals(new TreeSet<>(cycle)))) cycles.add(cycle);
            return;
        }
        path.add(at);
        for (String next : graph.getOrDefault(at, Set.of())) findCycle(graph, next, path, cycles);
        path.remove(path.size() - 1);
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
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) uses.addAll(usesIn(file));
        }
        return uses;
    }

    private static List<Use> usesIn(Path file) throws IOException {
        List<Use> uses = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String code = line.strip();
            if (code.startsWith("*") || code.startsWith("/*") || code.startsWith("//")) continue;
            Matcher m = REFERENCE.matcher(code);
            while (m.find()) uses.add(new Use(file, m.group(1)));
        }
        return uses;
    }
}
