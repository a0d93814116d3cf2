package org.vmhost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.vmhost.config.DomainType;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainState;

/**
 * {@code xm list}'s table is built by hand; these hold it to Xen's format strings as {@link String#format} prints
 * them, which is what xm printed before and what scripts parse.
 */
class ListCommandTest {

    private static String byFormat(List<DomainInfo> domains) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-40s %5s %5s %5s %10s %9s%n", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)"));
        for (DomainInfo d : domains) {
            String id = d.domid().isPresent() ? Integer.toString(d.domid().getAsInt()) : "";
            String name = d.state() == DomainState.MIGRATING ? "migrating-" + d.name() : d.name();
            sb.append(String.format(Locale.ROOT, "%-40s %5s %5d %5d %10s %8.1f%n", name, id, d.memory(), d.vcpus(),
                    d.state().xmStateField(), d.cpuTime()));
        }
        return sb.toString();
    }

    private static DomainInfo domain(String name, Integer domid, DomainState state, int memory, int vcpus, double cpuTime) {
        return new DomainInfo(name, domid == null ? OptionalInt.empty() : OptionalInt.of(domid), "00000000-0000-0000-0000-000000000001",
                DomainType.PV, state, memory, memory, vcpus, cpuTime, true, false, "", 0, Optional.empty());
    }

    @Test
    void theTableIsXensFormatForTheRowsXmShows() {
        List<DomainInfo> rows = List.of(
                domain("Domain-0", 0, DomainState.RUNNING, 24105, 2, 34226.14),
                domain("web1", 7, DomainState.BLOCKED, 512, 1, 0.05),
                domain("old", null, DomainState.SHUT_OFF, 256, 4, 0),
                domain("moving", 9, DomainState.MIGRATING, 1024, 2, 12.25),
                domain("vm-café", 12, DomainState.PAUSED, 64, 1, 0.95),
                domain("a-name-that-is-longer-than-the-forty-columns-xen-gave-it", 3, DomainState.REATTACHING, 123456, 128, 1234567.96));
        assertThat(ListCommand.table(rows)).isEqualTo(byFormat(rows));
        assertThat(ListCommand.table(List.of())).isEqualTo(byFormat(List.of()));
    }

    @Property(tries = 500)
    void anyRowIsPrintedAsTheFormatPrintsIt(@ForAll @StringLength(min = 1, max = 60) String name,
            @ForAll @IntRange(min = 0, max = 999999) int domid, @ForAll boolean running,
            @ForAll @IntRange(min = 0, max = 9999999) int memory, @ForAll @IntRange(min = 1, max = 512) int vcpus,
            @ForAll @DoubleRange(min = 0, max = 1e9) double cpuTime) {
        List<DomainInfo> rows = new ArrayList<>();
        rows.add(domain(name, running ? domid : null, running ? DomainState.RUNNING : DomainState.SHUT_OFF, memory, vcpus, cpuTime));
        assertThat(ListCommand.table(rows)).isEqualTo(byFormat(rows));
    }

    @Test
    void oneDecimalRoundsAsFormatterDoes() {
        for (double v : new double[] {0, -0.0, 0.05, 0.15, 0.25, 0.35, 0.45, 1.05, 2.5, 2.45, 1e-7, 5e-4, 0.049999, 0.95,
                9.95, 99.95, 999.96, 123456.75, 9999999.95, 1e7, 12345678.95, 99999999.99, 1e15 + 0.5, 1e22, 1.7976931348623157e308,
                Double.MIN_VALUE, -0.04, -0.05, -2.45, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            assertThat(ListCommand.oneDecimal(v)).as("%s", v).isEqualTo(String.format(Locale.ROOT, "%.1f", v));
        }
    }

    @Property(tries = 2000)
    void oneDecimalRoundsAnyDoubleAsFormatterDoes(@ForAll double v) {
        assertThat(ListCommand.oneDecimal(v)).as("%s", v).isEqualTo(String.format(Locale.ROOT, "%.1f", v));
    }

    @Property(tries = 2000)
    void oneDecimalRoundsCpuTimesAsFormatterDoes(@ForAll @DoubleRange(min = 0, max = 1e12) double v, @ForAll @IntRange(min = 0, max = 3) int scale) {
        double cpu = Math.round(v * Math.pow(10, scale)) / Math.pow(10, scale) + (scale == 3 ? 0.05 : 0); // many ties at the second decimal
        assertThat(ListCommand.oneDecimal(cpu)).as("%s", cpu).isEqualTo(String.format(Locale.ROOT, "%.1f", cpu));
    }
}
