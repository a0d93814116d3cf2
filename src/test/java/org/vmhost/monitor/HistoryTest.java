package org.vmhost.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryTest {
    @TempDir
    Path dir;

    private static final long T0 = 1_700_000_000L - 1_700_000_000L % 86_400; // a day boundary

    @Test
    void eachResolutionKeepsTheAverageOfItsStep() {
        History h = new History();
        for (int i = 0; i < 24; i++) h.add("d/cpu", T0 + i * 5, i < 12 ? 100 : 50); // two minutes
        List<HistoryPoint> fine = h.query("d/cpu", Resolution.FIVE_SECONDS, Instant.ofEpochSecond(T0), Instant.ofEpochSecond(T0 + 200));
        assertThat(fine).hasSize(24);
        assertThat(fine.get(0)).isEqualTo(new HistoryPoint(Instant.ofEpochSecond(T0), 100));
        List<HistoryPoint> minutes = h.query("d/cpu", Resolution.MINUTE, Instant.ofEpochSecond(T0), Instant.ofEpochSecond(T0 + 200));
        assertThat(minutes).extracting(HistoryPoint::value).containsExactly(100.0, 50.0);
        assertThat(h.query("d/cpu", Resolution.HOUR, Instant.ofEpochSecond(T0), Instant.ofEpochSecond(T0 + 200)))
                .extracting(HistoryPoint::value).containsExactly(75.0);
    }

    @Test
    void theOldestStepsFallOutOfTheRing() {
        History h = new History();
        for (int i = 0; i < 200; i++) h.add("d/cpu", T0 + i * 5, i);
        List<HistoryPoint> fine = h.query("d/cpu", Resolution.FIVE_SECONDS, Instant.ofEpochSecond(T0), Instant.ofEpochSecond(T0 + 2000));
        assertThat(fine).hasSize(Resolution.FIVE_SECONDS.rows());
        assertThat(fine.get(0).value()).isEqualTo(80);
        assertThat(fine.get(fine.size() - 1).value()).isEqualTo(199);
    }

    @Test
    void aSavedHistoryReadsBackTheSame() throws IOException {
        History h = new History();
        for (int i = 0; i < 50; i++) {
            h.add("u1/cpu", T0 + i * 5, i);
            h.add("host/memory_free_kib", T0 + i * 5, 1000 - i);
        }
        Path file = dir.resolve("monitor/history.bin");
        h.save(file);
        History back = History.load(file);
        assertThat(back.keys()).containsExactly("host/memory_free_kib", "u1/cpu");
        for (Resolution r : Resolution.values())
            assertThat(back.query("u1/cpu", r, Instant.ofEpochSecond(T0), Instant.ofEpochSecond(T0 + 300)))
                    .isEqualTo(h.query("u1/cpu", r, Instant.ofEpochSecond(T0), Instant.ofEpochSecond(T0 + 300)));
        back.add("u1/cpu", T0 + 250, 7);
        assertThat(back.query("u1/cpu", Resolution.FIVE_SECONDS, Instant.ofEpochSecond(T0 + 250), Instant.ofEpochSecond(T0 + 250)))
                .extracting(HistoryPoint::value).containsExactly(7.0);
    }

    @Test
    void noFileIsAnEmptyHistoryAndAForeignFileIsRefused() throws IOException {
        assertThat(History.load(dir.resolve("none.bin")).keys()).isEmpty();
        Path other = Files.writeString(dir.resolve("other.bin"), "not a history");
        assertThatThrownBy(() -> History.load(other)).isInstanceOf(IOException.class);
    }

    @Test
    void prefixesListAndDropADomainsSeries() {
        History h = new History();
        h.add("u1/cpu", T0, 1);
        h.add("u1/vbd/xvda/read_bytes", T0, 1);
        h.add("u2/cpu", T0, 1);
        assertThat(h.keys("u1/")).containsExactly("cpu", "vbd/xvda/read_bytes");
        h.remove("u1/");
        assertThat(h.keys()).containsExactly("u2/cpu");
    }

    @Test
    void resolutionsAreNamedAndTheCoveringOneIsTheFinest() {
        assertThat(Resolution.of("1m")).isEqualTo(Resolution.MINUTE);
        assertThatThrownBy(() -> Resolution.of("2m")).hasMessageContaining("5s, 1m, 1h, 1d");
        assertThat(Resolution.covering(java.time.Duration.ofMinutes(5))).isEqualTo(Resolution.FIVE_SECONDS);
        assertThat(Resolution.covering(java.time.Duration.ofHours(1))).isEqualTo(Resolution.MINUTE);
        assertThat(Resolution.covering(java.time.Duration.ofDays(3))).isEqualTo(Resolution.HOUR);
        assertThat(Resolution.covering(java.time.Duration.ofDays(300))).isEqualTo(Resolution.DAY);
    }
}
