package org.vmhost.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreDurabilityTest {
    @TempDir Path dir;

    @Test
    void committedWritesAreSeenByANewStoreWhileTheOldOneWasNeverClosed() {
        Path file = dir.resolve("xend.db");
        Store abandoned = Store.open(file);
        abandoned.saveDefinition(StoreTest.definition(StoreTest.WEB1, "web1"));
        int domid = abandoned.allocateDomid();
        abandoned.saveStatus(StoreTest.status(StoreTest.WEB1, domid));
        abandoned.appendEvent(Instant.EPOCH, "web1", "started", "started");

        try (Store reopened = Store.open(file)) {
            assertThat(reopened.findDefinitionByName("web1")).isPresent();
            assertThat(reopened.statuses()).containsExactly(StoreTest.status(StoreTest.WEB1, 1));
            assertThat(reopened.events(1)).hasSize(1);
            assertThat(reopened.allocateDomid()).isEqualTo(2);
        } finally {
            abandoned.close();
        }
    }

    @Test
    void everyAcknowledgedWriteSurvivesKillNineOfTheWritingProcess() throws Exception {
        Path file = dir.resolve("xend.db");
        Path stderr = dir.resolve("writer.err");
        Process writer = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                // its copy of SQLite's library in the test's directory: a killed JVM leaves it (in /tmp otherwise)
                "-Dorg.sqlite.tmpdir=" + dir,
                "-cp", System.getProperty("java.class.path"),
                KilledWriter.class.getName(), file.toString())
                .redirectError(stderr.toFile())
                .start();
        int acknowledged = 0;
        int printed;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (acknowledged < 200 && (line = out.readLine()) != null) acknowledged = Integer.parseInt(line);
            writer.destroyForcibly(); // SIGKILL, mid-stream: the writer is still committing
            assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
            // The writer ran on while the kill was sent: what it acknowledged since is still in the pipe.
            printed = acknowledged;
            try {
                while ((line = out.readLine()) != null) printed = Integer.parseInt(line);
            } catch (java.io.IOException e) {
                // the JDK closed the pipe when it reaped the writer: what was read is what we know
            }
        } finally {
            writer.destroyForcibly();
        }
        assertThat(acknowledged).as("writes acknowledged before the kill; writer's stderr:%n%s",
                Files.readString(stderr)).isEqualTo(200);

        try (Store reopened = Store.open(file)) {
            assertThat(reopened.pragma("integrity_check")).isEqualTo("ok");
            List<DomainDefinition> definitions = reopened.definitions();
            int stored = definitions.size();
            // all that was acknowledged, perhaps one more that committed before its number was printed,
            // and nothing half-written: every definition has its status and its own domain id
            assertThat(stored).isBetween(printed, printed + 1);
            for (int n = 1; n <= stored; n++) {
                assertThat(reopened.findDefinitionByUuid(KilledWriter.uuid(n))).isPresent();
            }
            assertThat(reopened.statuses()).extracting(DomainStatus::domid)
                    .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, stored).boxed().toList());
            assertThat(reopened.allocateDomid()).isEqualTo(stored + 1);
        }
    }
}
