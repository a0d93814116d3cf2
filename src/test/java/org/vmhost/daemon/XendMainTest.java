package org.vmhost.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The plain forms of {@code xend} parse as picocli parses them; everything else is left to picocli. */
class XendMainTest {

    /** Whatever the plain parser takes, picocli takes too, with the same listener options. */
    @Property(tries = 3000)
    void aPlainFormMeansWhatPicocliMakesOfIt(@ForAll("subcommands") String sub, @ForAll("listenArgs") List<String> rest) {
        List<String> args = new ArrayList<>(List.of(sub));
        args.addAll(rest);
        Optional<XendMain.ListenOptions> plain = XendMain.plainListen(rest);
        if (XendMain.plain(args.toArray(String[]::new)).isEmpty()) {
            assertThat(plain).as("%s", args).isEmpty();
            return;
        }
        XendMain.ListenOptions parsed = picocli(args);
        assertThat(plain).as("%s", args).hasValueSatisfying(p -> {
            assertThat(p.port).isEqualTo(parsed.port);
            assertThat(p.listen).isEqualTo(parsed.listen);
            assertThat(p.noTcp).isEqualTo(parsed.noTcp);
        });
    }

    @Provide
    Arbitrary<String> subcommands() {
        return Arbitraries.of("start", "restart", "run");
    }

    @Provide
    Arbitrary<List<String>> listenArgs() {
        return Arbitraries.of("--no-tcp", "--port", "8000", "0", "65535", "08080", "123456", "-1", "--port=9", "--port=",
                "--listen", "0.0.0.0", "::1", "--listen=10.0.0.1", "--listen=", "--no-tcp=true", "", "-h", "--help", "x",
                "--", "--list").list().ofMaxSize(5);
    }

    @Test
    void theFormsScriptsAndXendStartRunAreTakenPlainly() {
        assertThat(XendMain.plain("start")).isPresent();
        assertThat(XendMain.plain("start", "--no-tcp")).isPresent();
        assertThat(XendMain.plain("run", "--port", "8000", "--listen", "127.0.0.1", "--no-tcp")).isPresent();
        assertThat(XendMain.plain("restart", "--port=0")).isPresent();
        assertThat(XendMain.plain("stop")).isPresent();
        assertThat(XendMain.plain("status")).isPresent();
        XendMain.ListenOptions l = XendMain.plainListen(List.of("--listen=::", "--port", "18000")).orElseThrow();
        assertThat(l.listen).isEqualTo("::");
        assertThat(l.port).isEqualTo(18000);
        assertThat(l.noTcp).isFalse();
    }

    @Test
    void helpVersionMistakesAndEverythingElseGoToPicocli() {
        for (String[] args : List.of(new String[] {}, new String[] {"--help"}, new String[] {"-V"},
                new String[] {"start", "--help"}, new String[] {"stop", "now"}, new String[] {"status", "-h"},
                new String[] {"start", "--port"}, new String[] {"start", "--port", "eighty"},
                new String[] {"start", "--no-tcp", "--no-tcp"}, new String[] {"start", "--listen", "--no-tcp"},
                new String[] {"begin"}, new String[] {"start", "--", "x"})) {
            assertThat(XendMain.plain(args)).as("%s", List.of(args)).isEmpty();
        }
    }

    /** The listener options picocli parses for a start, restart or run. */
    private static XendMain.ListenOptions picocli(List<String> args) {
        CommandLine.ParseResult parsed = XendMain.commandLine(args.get(0)).parseArgs(args.toArray(String[]::new));
        Object sub = parsed.subcommand().commandSpec().userObject();
        return switch (sub) {
            case XendMain.Start s -> s.listen;
            case XendMain.Restart r -> r.listen;
            case XendMain.Run r -> r.listen;
            default -> throw new AssertionError("not a listener's subcommand: " + sub);
        };
    }
}
