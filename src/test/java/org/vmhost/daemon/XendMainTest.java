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

    /** Whatever the plain parser takes, picocli takes too, as the same subcommand with the same listener options. */
    @Property(tries = 3000)
    void aPlainFormMeansWhatPicocliMakesOfIt(@ForAll("subcommands") String sub, @ForAll("listenArgs") List<String> rest) {
        List<String> args = new ArrayList<>(List.of(sub));
        args.addAll(rest);
        Optional<XendMain.PlainForm> plain = XendMain.plain(args.toArray(String[]::new));
        if (plain.isEmpty()) return; // picocli judges it, as before the plain forms
        CommandLine.ParseResult parsed = XendMain.commandLine(sub).parseArgs(args.toArray(String[]::new));
        CommandLine.ParseResult subcommand = parsed.subcommand();
        assertThat(plain.get().command()).as("%s", args).isEqualTo(subcommand.commandSpec().name());
        XendMain.ListenOptions picocli = switch (subcommand.commandSpec().userObject()) {
            case XendMain.Start s -> s.listen;
            case XendMain.Restart r -> r.listen;
            case XendMain.Run r -> r.listen;
            default -> new XendMain.ListenOptions(); // stop, status: no options
        };
        XendMain.ListenOptions p = plain.get().listen();
        assertThat(List.of(p.port, p.listen, p.noTcp)).as("%s", args).isEqualTo(List.of(picocli.port, picocli.listen, picocli.noTcp));
    }

    @Provide
    Arbitrary<String> subcommands() {
        return Arbitraries.of("start", "restart", "run", "stop", "status");
    }

    @Provide
    Arbitrary<List<String>> listenArgs() {
        return Arbitraries.of("--no-tcp", "--port", "8000", "0", "65535", "08080", "123456", "-1", "--port=9", "--port=",
                "--listen", "0.0.0.0", "::1", "--listen=10.0.0.1", "--listen=", "--no-tcp=true", "", "-h", "--help", "x",
                "--", "--list").list().ofMaxSize(5);
    }

    @Test
    void theFormsScriptsAndXendStartRunAreTakenPlainly() {
        assertThat(XendMain.plain("start").map(XendMain.PlainForm::command)).hasValue("start");
        assertThat(XendMain.plain("start", "--no-tcp").map(f -> f.listen().noTcp)).hasValue(true);
        assertThat(XendMain.plain("run", "--port", "8000", "--listen", "127.0.0.1", "--no-tcp").map(XendMain.PlainForm::command))
                .hasValue("run");
        assertThat(XendMain.plain("restart", "--port=0").map(f -> f.command() + " " + f.listen().port)).hasValue("restart 0");
        assertThat(XendMain.plain("stop").map(XendMain.PlainForm::command)).hasValue("stop");
        assertThat(XendMain.plain("status").map(XendMain.PlainForm::command)).hasValue("status");
        XendMain.ListenOptions l = XendMain.plainListen(List.of("--listen=::", "--port", "18000")).orElseThrow();
        assertThat(l.listen).isEqualTo("::");
        assertThat(l.port).isEqualTo(18000);
        assertThat(l.noTcp).isFalse();
    }

    /** {@code xend SUBCOMMAND --help} helps, as {@code xend --help} does: the subcommand's usage, and exit 0. */
    @Test
    void everySubcommandHasHelp() {
        for (String sub : List.of("start", "stop", "restart", "status", "run")) {
            for (String help : List.of("--help", "-h")) {
                java.io.StringWriter out = new java.io.StringWriter();
                java.io.StringWriter err = new java.io.StringWriter();
                CommandLine cl = XendMain.commandLine(sub);
                cl.setOut(new java.io.PrintWriter(out)).setErr(new java.io.PrintWriter(err));
                assertThat(cl.execute(sub, help)).as("xend %s %s; stderr: %s", sub, help, err).isZero();
                assertThat(out.toString()).as("xend %s %s", sub, help).startsWith("Usage: xend " + sub)
                        .contains(cl.getSubcommands().get(sub).getCommandSpec().usageMessage().description()[0])
                        .doesNotContain("keeps domain configurations"); // its own description, not xend's
                assertThat(err.toString()).isEmpty();
            }
        }
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
}
