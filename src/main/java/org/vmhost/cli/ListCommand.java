package org.vmhost.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.vmhost.config.ConfigException;
import org.vmhost.config.ConfigLoader;
import org.vmhost.config.SxpWriter;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainService;
import org.vmhost.domain.DomainState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xm list [-l] [--state=STATE] [DOMAIN…]}, in Xen's columns. */
@Command(name = "list", description = {"List domains: Domain-0 first, then running domains by id, then defined ones.",
        "State letters: r running, b blocked, p paused, s shutting down (or being saved, or migrating: then named"
                + " migrating-NAME), c crashed, d dying."})
final class ListCommand extends DaemonCommand {

    @Option(names = {"-l", "--long"}, description = "Print each domain as SXP.")
    boolean long_;

    @Option(names = "--state", paramLabel = "STATE",
            description = "Only domains in this state: running, blocked, paused, shutdown, crashed, dying, reattaching, saving, "
                    + "migrating, or a letter.")
    String state;

    @Parameters(paramLabel = "DOMAIN", arity = "0..*", description = "Domains by name, id or UUID.")
    List<String> domains = new ArrayList<>();

    ListCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        List<DomainInfo> shown = new ArrayList<>();
        if (domains.isEmpty()) {
            shown.addAll(xend.list());
        } else {
            for (String ref : domains) shown.add(xend.get(ref));
        }
        if (state != null) {
            String want = state.toLowerCase(Locale.ROOT);
            shown.removeIf(d -> !matches(d.state(), want));
        }
        if (long_) {
            shown.forEach(d -> context.out().print(sxp(d)));
        } else {
            context.out().print(table(shown));
        }
        // Right after xend started: domains it found running and has not yet spoken to again. They run (or ran): listed
        // with their id and no state letter, and told why, so that no one takes them for shut off.
        // A loop, not a stream: a stream's first use initialises a score of classes, ~1 ms of every xm list.
        List<String> reattaching = new java.util.ArrayList<>();
        for (DomainInfo d : shown) {
            if (d.state() == DomainState.REATTACHING) reattaching.add(d.name());
        }
        if (!reattaching.isEmpty()) {
            context.err().println("Note: xend has just started and is re-attaching to " + String.join(", ", reattaching)
                    + "; state letters follow once it has");
        }
        // A domain xend keeps although its stored definition no longer reads: listed, and told why.
        for (DomainInfo d : shown) {
            d.error().ifPresent(e -> context.err().println("Warning: domain '" + d.name()
                    + "': its stored definition no longer reads (xm destroy, xm delete remove it): " + e));
        }
        return 0;
    }

    /**
     * Xen's brief listing: {@code %-40s %5s %5s %5s %10s %9s}, as xm printed it. Built by hand rather than with
     * {@code String.format}, whose first use loads the locale data (a few milliseconds of every {@code xm list}, the
     * command scripts run in loops); ListCommandTest holds it to the format's output.
     */
    static String table(List<DomainInfo> domains) {
        StringBuilder sb = new StringBuilder();
        row(sb, "Name", "ID", "Mem", "VCPUs", "State", "Time(s)", 9);
        for (DomainInfo d : domains) {
            String id = d.domid().isPresent() ? Integer.toString(d.domid().getAsInt()) : "";
            // A domain being moved is named migrating-NAME, as Xen's xend renamed it for the move.
            String name = d.state() == DomainState.MIGRATING ? "migrating-" + d.name() : d.name();
            row(sb, name, id, Integer.toString(d.memory()), Integer.toString(d.vcpus()), d.state().xmStateField(),
                    oneDecimal(d.cpuTime()), 8);
        }
        return sb.toString();
    }

    /**
     * One line: the name left-aligned in 40 columns, the rest right-aligned in 5, 5, 5, 10 and {@code timeWidth}
     * (Xen's header gives the time 9 columns and its rows 8); a longer cell is printed whole.
     */
    private static void row(StringBuilder sb, String name, String id, String mem, String vcpus, String state, String time,
            int timeWidth) {
        sb.append(name).repeat(' ', Math.max(0, 40 - name.length()));
        int[] widths = {5, 5, 5, 10, timeWidth};
        String[] cells = {id, mem, vcpus, state, time};
        for (int i = 0; i < cells.length; i++) {
            sb.append(' ').repeat(' ', Math.max(0, widths[i] - cells[i].length())).append(cells[i]);
        }
        sb.append(System.lineSeparator());
    }

    /**
     * {@code %.1f}: Formatter's digits, those of {@link Double#toString} (the shortest decimal that names the
     * double), rounded half up at the first decimal. Done on the digits by hand: BigDecimal would do it, but its class
     * takes ~8 ms to initialise (JDK 25 computes 5^65536 in it), a seventh of {@code xm list}.
     */
    static String oneDecimal(double value) {
        if (!Double.isFinite(value)) return Double.toString(value); // NaN, Infinity: Formatter's words too
        String text = Double.toString(value);
        boolean negative = text.startsWith("-");
        if (negative) text = text.substring(1);
        int e = text.indexOf('E');
        String mantissa = e < 0 ? text : text.substring(0, e);
        int dot = mantissa.indexOf('.');
        // the digits, and how many of them are the integer part (the point moved by the exponent)
        StringBuilder digits = new StringBuilder(mantissa.length() + 24).append(mantissa, 0, dot).append(mantissa, dot + 1, mantissa.length());
        int point = dot + (e < 0 ? 0 : Integer.parseInt(text.substring(e + 1)));
        if (point < 1) {
            digits.insert(0, "0".repeat(1 - point));
            point = 1;
        }
        while (digits.length() < point + 2) digits.append('0');
        char[] kept = digits.substring(0, point + 1).toCharArray(); // the integer part and the first decimal
        String carry = "";
        if (digits.charAt(point + 1) >= '5') {
            int i = kept.length - 1;
            while (i >= 0 && kept[i] == '9') kept[i--] = '0';
            if (i < 0) carry = "1";
            else kept[i]++;
        }
        String whole = carry + new String(kept, 0, kept.length - 1);
        int nonZero = 0;
        while (nonZero < whole.length() - 1 && whole.charAt(nonZero) == '0') nonZero++;
        return (negative ? "-" : "") + whole.substring(nonZero) + "." + kept[kept.length - 1];
    }

    private static boolean matches(DomainState s, String want) {
        if (want.length() == 1) return s.active() && s.letter() == want.charAt(0);
        return switch (want) {
            case "running" -> s == DomainState.RUNNING;
            case "blocked" -> s == DomainState.BLOCKED;
            case "paused" -> s == DomainState.PAUSED;
            case "shutdown" -> s == DomainState.SHUTTING_DOWN;
            case "crashed" -> s == DomainState.CRASHED;
            case "dying" -> s == DomainState.DYING;
            case "reattaching" -> s == DomainState.REATTACHING;
            case "saving" -> s == DomainState.SAVING;
            case "migrating" -> s == DomainState.MIGRATING;
            case "inactive", "shutoff" -> s == DomainState.SHUT_OFF;
            default -> false;
        };
    }

    /** The domain as {@code xm list -l} printed it: its runtime facts, then its configuration. */
    static String sxp(DomainInfo d) {
        StringBuilder head = new StringBuilder("(domain\n");
        d.domid().ifPresent(id -> head.append("    (domid ").append(id).append(")\n"));
        head.append("    (uuid ").append(d.uuid()).append(")\n");
        head.append("    (state ").append(d.state().xmStateField()).append(")\n");
        head.append(String.format(Locale.ROOT, "    (cpu_time %.3f)%n", d.cpuTime()));
        head.append("    (managed ").append(d.managed() ? 1 : 0).append(")\n");
        if (d.configText().isEmpty()) {
            return head.append("    (name ").append(d.name()).append(")\n    (memory ").append(d.memory())
                    .append(")\n    (vcpus ").append(d.vcpus()).append(")\n)\n").toString();
        }
        try {
            String config = SxpWriter.write(ConfigLoader.parse(d.name(), d.configText(), List.of()).config());
            // The writer's "(domain" line opens the list; ours already did.
            return head + config.substring(config.indexOf('\n') + 1);
        } catch (ConfigException e) {
            return head.append("    (name ").append(d.name()).append(")\n)\n").toString();
        }
    }
}
