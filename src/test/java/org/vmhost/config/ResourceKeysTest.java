package org.vmhost.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** maxvcpus and the per-vCPU list form of cpus: read, refused naming the line and field, written back. */
class ResourceKeysTest {
    private static final String HVM = "name = 'web1'\nbuilder = 'hvm'\n";

    private static LoadedConfig load(String text) throws ConfigException {
        return ConfigLoader.parse("web1.cfg", text, List.of());
    }

    @Test
    void maxvcpusDefaultsToVcpusAndMayBeMore() throws Exception {
        assertThat(load(HVM + "vcpus = 2\n").config().maxvcpus()).isEqualTo(2);
        DomainConfig c = load(HVM + "vcpus = 2\nmaxvcpus = 4\n").config();
        assertThat(c.maxvcpus()).isEqualTo(4);
        assertThat(ConfigWriter.write(c)).contains("vcpus = 2\nmaxvcpus = 4\n");
        assertThat(load(ConfigWriter.write(c)).config()).isEqualTo(c);
    }

    @Test
    void maxvcpusBelowVcpusOrAboveTheLimitIsRefusedNamingTheLine() {
        assertThatThrownBy(() -> load(HVM + "vcpus = 4\nmaxvcpus = 2\n"))
                .hasMessage("web1.cfg:4: maxvcpus: maxvcpus (2) is below vcpus (4)");
        assertThatThrownBy(() -> load(HVM + "maxvcpus = 256\n"))
                .hasMessage("web1.cfg:3: maxvcpus: expected a number of virtual CPUs from 1 to 255, got 256");
    }

    @Test
    void aPvDomainWithMaxvcpusIsWarnedThatMicrovmCannotHotPlugCpus() throws Exception {
        LoadedConfig l = load("name = 'p'\nkernel = '/k'\nvcpus = 1\nmaxvcpus = 2\n");
        assertThat(l.warnings()).extracting(ConfigWarning::toString).singleElement().asString()
                .contains("maxvcpus: a pv domain (QEMU's microvm) cannot hot-plug CPUs");
    }

    @Test
    void theListFormOfCpusGivesEachVcpuItsSet() throws Exception {
        DomainConfig c = load(HVM + "vcpus = 3\ncpus = [\"2\", \"0-1\"]\n").config();
        assertThat(c.vcpuCpus()).containsExactly("2", "0-1");
        assertThat(c.cpus()).isEmpty();
        assertThat(c.cpusOf(0)).contains("2");
        assertThat(c.cpusOf(1)).contains("0-1");
        assertThat(c.cpusOf(2)).as("a vCPU beyond the list runs anywhere").isEmpty();
        assertThat(ConfigWriter.write(c)).contains("cpus = [ \"2\", \"0-1\" ]\n");
        assertThat(load(ConfigWriter.write(c)).config()).isEqualTo(c);
        DomainConfig flat = load(HVM + "vcpus = 2\ncpus = \"0-1,^0\"\n").config();
        assertThat(flat.cpusOf(1)).contains("0-1,^0");
        assertThat(load(HVM + "cpus = []\n").config().cpusOf(0)).isEmpty();
    }

    @Test
    void aBadEntryOfTheListFormIsRefusedNamingItsIndexAndLine() {
        assertThatThrownBy(() -> load(HVM + "cpus = [\"0\",\n  \"x-1\"]\n"))
                .hasMessage("web1.cfg:4: cpus: cpus[1]: 'x-1' is not a list of CPUs such as \"0-3,^2\" or \"all\"");
        assertThatThrownBy(() -> load(HVM + "cpus = [[\"0\"]]\n")).hasMessageContaining("cpus[0]: expected a string");
    }
}
