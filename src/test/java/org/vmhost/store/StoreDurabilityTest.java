package org.vmhost.store;

import static org.assertj.core.api.Assertions.assertThat;

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

    /** The last number the writer printed whole (a line cut by the kill is not one). */
    private static int lastAcknowledged(Path acks) throws java.io.IOException {
        String text = Files.exists(acks) ? Files.readString(acks) : "";
        int end = text.lastIndexOf('\n');
        if (end < 0) return 0;
        int start = text.lastIndexOf('\n', end - 1) + 1;
        return Integer.parseInt(text.substring(start, end));
    }

    @Test
    void everyAcknowledgedWriteSurvivesKillNineOfTheWritingProcess() throws Exception {
        Path file = dir.resolve("xend.db");
        Path stderr = dir.resolve("writer.err");
        // Its acknowledgements go to a file, not a pipe: a pipe's reader can lose what was still in it when the JDK
        // reaps the killed writer, and then a write it did acknowledge looks like one it never did.
        Path acks = dir.resolve("writer.out");
        Process writer = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                // its copy of SQLite's library in the test's directory: a killed JVM leaves it (in /tmp otherwise)
                "-Dorg.sqlite.tmpdir=" + dir,
                "-cp", System.getProperty("java.class.path"),
                KilledWriter.class.getName(), file.toString())
                .redirectOutput(acks.toFile())
                .redirectError(stderr.toFile())
                .start();
        int acknowledged = 0;
        int printed;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acknowledged < 200 && writer.isAlive() && System.nanoTime() < deadline) {
                acknowledged = lastAcknowledged(acks);
                Thread.sleep(1);
            }
            writer.destroyForcibly(); // SIGKILL, mid-stream: the writer is still committing
            assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
            // The writer ran on while the kill was sent: the file has every number it printed.
            printed = lastAcknowledged(acks);
        } finally {
            writer.destroyForcibly();
        }
        assertThat(acknowledged).as("writes acknowledged before the kill; writer's stderr:%n%s",
                Files.readString(stderr)).isGreaterThanOrEqualTo(200);
        assertThat(printed).isGreaterThanOrEqualTo(acknowledged);

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
