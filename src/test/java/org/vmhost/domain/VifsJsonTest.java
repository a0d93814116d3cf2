package org.vmhost.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmhost.network.Vif;

class VifsJsonTest {

    @Test
    void vifsSurviveTheStatusRowsRuntimeJson() {
        List<Vif> vifs = List.of(
                new Vif(0, "00:16:3e:01:02:03", Optional.of("xenbr0"), Optional.of("vif3.0"), "virtio", Optional.of("10Mb/s")),
                new Vif(1, "00:16:3e:01:02:04", Optional.empty(), Optional.empty(), "rtl8139", Optional.empty()));
        assertThat(VifsJson.read(VifsJson.write(vifs))).isEqualTo(vifs);
    }

    @Test
    void theMemSetTargetSharesTheObjectWithTheVifsAndIsLeftOutWhenThereIsNone() {
        List<Vif> vifs = List.of(new Vif(0, "00:16:3e:01:02:03", Optional.of("xenbr0"), Optional.of("vif3.0"), "virtio", Optional.empty()));
        String json = VifsJson.write(vifs, 288);
        assertThat(VifsJson.read(json)).isEqualTo(vifs);
        assertThat(VifsJson.memoryTarget(json)).isEqualTo(288);
        assertThat(VifsJson.write(vifs, 0)).doesNotContain("memoryTarget");
        assertThat(VifsJson.memoryTarget(VifsJson.write(vifs))).isZero();
        assertThat(VifsJson.memoryTarget("{}")).as("a row from an older xend").isZero();
    }

    @Test
    void aRowFromAnOlderXendHasNoVifs() {
        assertThat(VifsJson.read("{}")).isEmpty();
        assertThat(VifsJson.read("{\"vnc\":5901}")).isEmpty();
    }
}
