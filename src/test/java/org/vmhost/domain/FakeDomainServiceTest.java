package org.vmhost.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.error.VmhostException;

/** The API tests' fake and xend's service agree: same refusals, same words, in every state a test can reach. */
class FakeDomainServiceTest {
    @TempDir
    Path dir;

    /** Each operation, applied to domain "web1" of either service. */
    private static final List<String> OPERATIONS = List.of("start", "pause", "unpause", "shutdown", "reboot", "reset",
            "destroy", "delete", "rename");

    private static void apply(DomainService s, String op) {
        switch (op) {
            case "start" -> s.start("web1", false);
            case "pause" -> s.pause("web1");
            case "unpause" -> s.unpause("web1");
            case "shutdown" -> s.shutdown("web1", Duration.ZERO);
            case "reboot" -> s.reboot("web1", Duration.ZERO);
            case "reset" -> s.reset("web1");
            case "destroy" -> s.destroy("web1");
            case "delete" -> s.delete("web1");
            case "rename" -> s.rename("web1", "web2");
            default -> throw new IllegalArgumentException(op);
        }
    }

    /** What each operation answers in a state: "ok", or the refusal's message. */
    private static List<String> answers(java.util.function.Supplier<DomainService> fresh, BiConsumer<DomainService, String> toState,
                                        String state) {
        List<String> answers = new ArrayList<>();
        for (String op : OPERATIONS) {
            DomainService s = fresh.get();
            toState.accept(s, state);
            try {
                apply(s, op);
                answers.add(op + ": ok");
            } catch (VmhostException e) {
                answers.add(op + ": " + e.code() + " " + e.getMessage());
            }
            if (s instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        }
        return answers;
    }

    private static void reach(DomainService s, String state) {
        if (state.equals("shut off")) return;
        s.start("web1", state.equals("paused"));
    }

    @Test
    void theFakeRefusesWhatXendRefusesInTheSameWords() throws IOException {
        List<ServiceFixture> fixtures = new ArrayList<>();
        int[] n = {0};
        java.util.function.Supplier<DomainService> real = () -> {
            try {
                ServiceFixture f = new ServiceFixture(dir.resolve("x" + n[0]++));
                fixtures.add(f);
                f.service.define(f.request("web1"));
                return f.service;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        };
        java.util.function.Supplier<DomainService> fake = () -> new FakeDomainService()
                .with(FakeDomainService.domain("web1", DomainState.SHUT_OFF));
        try {
            for (String state : List.of("shut off", "running", "paused")) {
                assertThat(answers(fake, FakeDomainServiceTest::reach, state)).as("in state " + state)
                        .isEqualTo(answers(real, FakeDomainServiceTest::reach, state));
            }
        } finally {
            fixtures.forEach(ServiceFixture::close);
        }
    }
}
