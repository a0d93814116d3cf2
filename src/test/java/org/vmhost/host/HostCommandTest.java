package org.vmhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

class HostCommandTest {

    @Test
    void givesOutputAndExitStatus() {
        HostCommand.Result r = HostCommand.of("sh", "-c", "echo out; echo err >&2; exit 3").tryRun();
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.output()).contains("out").contains("err");
    }

    @Test
    void aNonZeroExitNamesTheCommandAndItsLastLines() {
        assertThatThrownBy(() -> HostCommand.of("sh", "-c", "echo one; echo two; exit 1").run())
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.HOST_FAILED))
                .hasMessageContaining("'sh -c echo one; echo two; exit 1' failed: one; two");
    }

    @Test
    void theTimeoutFiresForACommandThatNeverEnds() {
        Instant start = Instant.now();
        assertThatThrownBy(() -> HostCommand.of("sh", "-c", "echo started; exec sleep 60").timeout(Duration.ofMillis(300)).run())
                .isInstanceOf(VmhostException.class)
                .hasMessageContaining("did not finish within 300 ms and was killed")
                .hasMessageContaining("started");
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void theTimeoutFiresWhileTheOutputPipeStaysOpen() {
        // The old runner read standard output to its end before it waited: a command that keeps the pipe
        // open (here, by never ending while it prints) was never timed out.
        Instant start = Instant.now();
        assertThatThrownBy(() -> HostCommand.of("sh", "-c", "while :; do echo tick; sleep 0.05; done")
                .timeout(Duration.ofMillis(500)).run())
                .hasMessageContaining("did not finish within 500 ms");
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aChildLeftHoldingTheOutputDoesNotHoldTheCaller() {
        Instant start = Instant.now();
        HostCommand.Result r = HostCommand.of("sh", "-c", "sleep 30 & echo parent done").timeout(Duration.ofSeconds(20)).tryRun();
        assertThat(r.exit()).isZero();
        assertThat(r.output()).contains("parent done");
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void feedsStandardInput() {
        assertThat(HostCommand.of("cat").input("hello\n").run()).isEqualTo("hello\n");
    }

    @Test
    void aMissingProgramIsAHostFailure() {
        assertThatThrownBy(() -> HostCommand.of("/nonexistent/tool").run())
                .isInstanceOf(VmhostException.class).hasMessageContaining("cannot run '/nonexistent/tool'");
    }
}
