package org.vmhost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * xm builds picocli's model of one subcommand only, the one being run ({@link XmMain#commandLine(XmContext, String)}).
 * These tests hold that to xm as it was with the whole table built: every subcommand of the table is reachable by
 * its name, and prints, returns and fails exactly as through the whole table, help included.
 */
class XmCommandTableTest {

    @TempDir
    Path home;

    /** No xend at this home: every call that needs one fails as it does when xend is down. */
    private Map<String, String> env() {
        return Map.of("VMHOST_HOME", home.resolve("no-xend").toString(), XmContext.CONFIG_DIR_VARIABLE, home.toString());
    }

    private XmContext context(ByteArrayOutputStream out, ByteArrayOutputStream err) {
        return new XmContext(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                env(), home);
    }

    /** As xm runs now. */
    private XmRun xm(String... args) {
        return XmRun.of(env(), home, args);
    }

    /** As xm ran before: picocli given the whole table. */
    private XmRun xmWithWholeTable(String... args) {
        return XmRun.of(env(), home, context -> {
            if (args.length > 0) return XmMain.commandLine(context).execute(args);
            XmMain.commandLine(context).usage(context.err());
            return XmMain.EXIT_USAGE;
        });
    }

    static Stream<String> names() {
        XmContext context = new XmContext(System.out, System.err, Map.of(), Path.of("/"));
        return XmMain.Commands.ALL.stream().map(entry -> XmMain.name(entry.apply(context)));
    }

    @Test
    void everyNameInTheTableIsOneSubcommandOfXmHelp() {
        List<String> names = names().toList();
        Set<String> seen = new HashSet<>();
        for (String name : names) assertThat(seen.add(name)).as("two subcommands named '%s'", name).isTrue();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        CommandLine whole = XmMain.commandLine(context(sink, sink));
        List<String> listed = new ArrayList<>(whole.getSubcommands().keySet());
        listed.remove("help");
        assertThat(listed).containsExactlyElementsOf(names);
        assertThat(xm("help").out()).contains(names);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void eachSubcommandIsBuiltAloneAndBehavesAsInTheWholeTable(String name) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        CommandLine alone = XmMain.commandLine(context(sink, sink), name);
        assertThat(alone.getSubcommands()).containsOnlyKeys(name);
        for (String[] args : List.of(new String[] {name, "--help"}, new String[] {name, "-h"}, new String[] {name},
                new String[] {name, "--no-such-option"}, new String[] {name, "a", "b", "c", "d", "e", "f"},
                new String[] {"help", name})) {
            assertThat(xm(args)).as("xm %s", String.join(" ", args)).isEqualTo(xmWithWholeTable(args));
        }
        XmRun help = xm(name, "--help");
        assertThat(help.status()).isZero();
        assertThat(help.out()).startsWith("Usage: xm " + name).isEqualTo(xm("help", name).out());
    }

    @Test
    void helpErrorsAndUnknownNamesAreThoseOfTheWholeTable() {
        for (String[] args : List.of(new String[0], new String[] {"help"}, new String[] {"--help"}, new String[] {"-h"},
                new String[] {"lst"}, new String[] {"--bogus"}, new String[] {"help", "nosuch"}, new String[] {""})) {
            assertThat(xm(args)).as("xm %s", String.join(" ", args)).isEqualTo(xmWithWholeTable(args));
        }
        XmRun unknown = xm("lst");
        assertThat(unknown.status()).isEqualTo(XmMain.EXIT_USAGE);
        assertThat(unknown.err()).startsWith("Error: ").contains("'lst'");
    }
}
