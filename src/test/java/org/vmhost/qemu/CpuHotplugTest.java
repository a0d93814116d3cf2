package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmhost.config.ConfigLoader;
import org.vmhost.config.DomainConfig;
import org.vmhost.json.JsonCodec;

/** CPU slots as QEMU 7.2's pc reports them, and the command line that makes them. */
class CpuHotplugTest {
    /** query-hotpluggable-cpus of {@code -machine pc -smp 1,maxcpus=3}, as QEMU 7.2 answered (highest first). */
    static final String ANSWER = """
            [{"props": {"core-id": 2, "thread-id": 0, "node-id": 0, "socket-id": 0}, "vcpus-count": 1, "type": "qemu64-x86_64-cpu"},
             {"props": {"core-id": 1, "thread-id": 0, "node-id": 0, "socket-id": 0}, "vcpus-count": 1, "type": "qemu64-x86_64-cpu"},
             {"props": {"core-id": 0, "thread-id": 0, "node-id": 0, "socket-id": 0}, "vcpus-count": 1,
              "qom-path": "/machine/unattached/device[0]", "type": "qemu64-x86_64-cpu"}]
            """;

    @Test
    void slotsAreNumberedInTopologyOrderAndTheFilledOnesKnowTheirPath() throws Exception {
        List<CpuHotplug.Slot> slots = CpuHotplug.parse(JsonCodec.parse(ANSWER));
        assertThat(slots).extracting(CpuHotplug.Slot::vcpu).containsExactly(0, 1, 2);
        assertThat(slots.get(0).qomPath()).contains("/machine/unattached/device[0]");
        assertThat(slots.get(1).present()).isFalse();
        assertThat(slots.get(2).props().path("core-id").asInt()).isEqualTo(2);
    }

    @Test
    void aHotPluggedCpuIsAddedWithItsSlotsTopologyAndAnIdOfItsNumber() throws Exception {
        CpuHotplug.Slot slot = CpuHotplug.parse(JsonCodec.parse(ANSWER)).get(1);
        assertThat(CpuHotplug.addArguments(slot).toString()).isEqualTo(
                "{\"driver\":\"qemu64-x86_64-cpu\",\"id\":\"vcpu1\",\"core-id\":1,\"thread-id\":0,\"node-id\":0,\"socket-id\":0}");
    }

    private static List<String> argv(String text) throws Exception {
        DomainConfig config = ConfigLoader.parse("test.cfg", text, List.of()).config();
        return QemuCommandLine.build(config, QemuCommandLineGoldenTest.context(config, Path.of("qemu-system-x86_64"),
                Path.of("/run/q.sock"), Path.of("/run/c.sock"), Path.of("/log/c.log"), 7));
    }

    private static String after(List<String> argv, String option) {
        return argv.get(argv.indexOf(option) + 1);
    }

    @Test
    void maxvcpusGivesAnHvmDomainFreeSlotsAndAPvDomainNone() throws Exception {
        assertThat(after(argv("builder='hvm'\nname='h'\nvcpus=2\nmaxvcpus=4\n"), "-smp")).isEqualTo("2,maxcpus=4");
        assertThat(after(argv("builder='hvm'\nname='h'\nvcpus=2\n"), "-smp")).isEqualTo("2");
        assertThat(after(argv("name='p'\nkernel='/k'\nvcpus=2\nmaxvcpus=4\n"), "-smp")).isEqualTo("2");
    }

    @Test
    void maxmemIsTheRamQemuStartsWith() throws Exception {
        assertThat(after(argv("name='p'\nkernel='/k'\nmemory=256\nmaxmem=512\n"), "-m")).isEqualTo("512M");
        assertThat(after(argv("name='p'\nkernel='/k'\nmemory=256\n"), "-m")).isEqualTo("256M");
    }
}
