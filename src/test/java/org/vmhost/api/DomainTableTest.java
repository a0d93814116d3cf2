package org.vmhost.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;
import org.vmhost.config.DomainType;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainState;

/** The domain list as tab-separated values: what xend writes, xm reads back the same, and reads leniently. */
class DomainTableTest {

    private static DomainInfo domain(String name, Integer domid, DomainState state, String configText, String error) {
        return new DomainInfo(name, domid == null ? OptionalInt.empty() : OptionalInt.of(domid),
                "6f1c2a34-0000-4000-8000-0000000000" + String.format("%02d", Math.abs(name.hashCode()) % 100), DomainType.PV,
                state, 512, 1024, 2, 12.25, true, false, configText, 3.5, Optional.ofNullable(error));
    }

    private static String text(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Test
    void whatXendWritesXmReadsBackTheSame() throws IOException {
        List<DomainInfo> domains = List.of(
                domain("Domain-0", 0, DomainState.RUNNING, "", null),
                domain("web1", 7, DomainState.BLOCKED, "name = 'web1'\nextra = \"a\\tb\"\tdisk = [ 'file:/x,xvda,w' ]\r\n", null),
                domain("vm-café", null, DomainState.SHUT_OFF, "name = 'vm-café'\n# a \\ backslash, a literal \\n\n", null),
                new DomainInfo("broken", OptionalInt.empty(), "6f1c2a34-0000-4000-8000-00000000000b", null, DomainState.SHUT_OFF,
                        0, 0, 0, 0.0, true, false, "memory = lots\n", 0.0, Optional.of("line 1: memory: 'lots'\tis not a number")));

        byte[] body = DomainTable.write(domains);

        assertThat(DomainTable.read(body)).isEqualTo(domains);
        assertThat(text(body).lines()).hasSize(5).allSatisfy(line -> assertThat(line.split("\t", -1)).hasSize(14));
        assertThat(text(body)).startsWith("name\tdomid\tuuid\ttype\tstate\tmemory\tmaxmem\tvcpus\tcpuTime\tmanaged\tautostart\t"
                + "uptime\terror\tconfigText\n");
        assertThat(DomainTable.readOne(DomainTable.write(List.of(domains.get(1))))).isEqualTo(domains.get(1));
    }

    @Test
    void aValuesTabsNewlinesAndBackslashesAreEscapedSoThatEachDomainIsOneLine() {
        String line = text(DomainTable.write(List.of(domain("web1", 7, DomainState.RUNNING, "a\tb\nc\\d\re", "x")))).lines().toList().get(1);
        assertThat(line).endsWith("\tx\ta\\tb\\nc\\\\d\\re").contains("\tRUNNING\t512\t1024\t2\t12.25\ttrue\tfalse\t3.5\t");
    }

    @Property(tries = 300)
    void anyTextAndNumbersComeBackAsTheyWent(@ForAll String configText, @ForAll String error,
            @ForAll @DoubleRange(min = 0, max = 1e12) double cpuTime) throws IOException {
        DomainInfo d = new DomainInfo("web1", OptionalInt.of(3), "6f1c2a34-0000-4000-8000-000000000001", DomainType.HVM,
                DomainState.PAUSED, 1, 2, 3, cpuTime, false, true, configText, cpuTime / 3, Optional.of(error).filter(e -> !e.isEmpty()));
        assertThat(DomainTable.read(DomainTable.write(List.of(d)))).containsExactly(d);
    }

    @Test
    void aColumnThisReaderDoesNotKnowIsSkippedAndAMissingOneIsItsDefault() throws IOException {
        byte[] newer = ("state\tname\tnewColumn\tdomid\tuuid\ttype\n"
                + "RUNNING\tweb1\tsomething\t4\t6f1c2a34-0000-4000-8000-000000000001\tPV\n").getBytes(StandardCharsets.UTF_8);

        DomainInfo d = DomainTable.readOne(newer);

        assertThat(d.name()).isEqualTo("web1");
        assertThat(d.state()).isEqualTo(DomainState.RUNNING);
        assertThat(d.domid()).hasValue(4);
        assertThat(d.memory()).isZero();
        assertThat(d.configText()).isEmpty();
        assertThat(d.error()).isEmpty();
    }

    @Test
    void anAnswerThatDoesNotReadSaysWhy() {
        String header = "name\tdomid\tuuid\ttype\tstate\n";
        assertThatThrownBy(() -> DomainTable.read(new byte[0])).isInstanceOf(IOException.class).hasMessage("no header line");
        assertThatThrownBy(() -> DomainTable.read((header + "web1\t1\tu\tPV\tRUNNING").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessage("the last line is cut short");
        assertThatThrownBy(() -> DomainTable.read((header + "web1\t1\tu\tPV\n").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessage("a line of 4 fields under a header of 5");
        assertThatThrownBy(() -> DomainTable.read((header + "web1\tone\tu\tPV\tRUNNING\n").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessage("column 'domid' has a value that does not read: one");
        assertThatThrownBy(() -> DomainTable.read((header + "web1\t1\tu\tPV\tFLYING\n").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessage("column 'state' has a value that does not read: FLYING");
        assertThatThrownBy(() -> DomainTable.read((header + "web\\q\t1\tu\tPV\tRUNNING\n").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessage("an unknown escape \\q");
        assertThatThrownBy(() -> DomainTable.readOne((header).getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessage("0 domains, not one");
    }

    @Test
    void onlyAClientThatAsksGetsIt() {
        assertThat(DomainTable.wanted("text/tab-separated-values")).isTrue();
        assertThat(DomainTable.wanted("text/tab-separated-values, application/json;q=0.5")).isTrue();
        assertThat(DomainTable.wanted("application/json")).isFalse();
        assertThat(DomainTable.wanted("*/*")).isFalse();
        assertThat(DomainTable.wanted(null)).isFalse();
        assertThat(DomainTable.is("text/tab-separated-values; charset=utf-8")).isTrue();
        assertThat(DomainTable.is("Text/Tab-Separated-Values")).isTrue();
        assertThat(DomainTable.is("application/json")).isFalse();
        assertThat(DomainTable.is("")).isFalse();
    }
}
