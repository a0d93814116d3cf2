package org.vmhost.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class DomainEventTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void eachKindFallsIntoItsFamily() {
        assertThat(DomainEvent.of(T, "web1", "started", "m")).isInstanceOf(DomainEvent.Lifecycle.class);
        assertThat(DomainEvent.of(T, "web1", "block-attach", "m")).isInstanceOf(DomainEvent.Devices.class);
        assertThat(DomainEvent.of(T, "Domain-0", "image-resized", "m")).isInstanceOf(DomainEvent.Images.class);
        assertThat(DomainEvent.of(T, "Domain-0", "network-created", "m")).isInstanceOf(DomainEvent.Networks.class);
        DomainEvent old = DomainEvent.of(T, "web1", "teleported", "written by another xend");
        assertThat(old).isInstanceOf(DomainEvent.Other.class);
        assertThat(old.kind()).isEqualTo("teleported");
    }

    @Test
    void aFamilyRefusesAKindOfAnother() {
        assertThatThrownBy(() -> new DomainEvent.Lifecycle(T, "web1", "block-attach", "m"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block-attach");
    }

    /** Where xend's own code names a kind it logs. */
    private static final Pattern LOGGED = Pattern.compile("(?:event\\(d, |appendEvent\\([^,]+, [^,]+, |teardown\\(d, "
            + "|forget\\(d, runDir, |apply\\(d, [^,]+, |restartInPlace\\(d, )\"([a-z]+(?:-[a-z]+)*)\"");

    @Test
    void everyKindXendLogsHasAFamily() throws IOException {
        Set<String> kinds = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java/org/vmhost"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = LOGGED.matcher(Files.readString(f));
                while (m.find()) kinds.add(m.group(1));
            }
        }
        assertThat(kinds).as("the scan finds the kinds").contains("started", "destroyed", "poweroff", "block-attach");
        assertThat(kinds).allSatisfy(k -> assertThat(DomainEvent.of(T, "d", k, "m")).as(k)
                .isNotInstanceOf(DomainEvent.Other.class));
    }
}
