package org.vmhost.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VifSpecTest {

    private final List<String> warnings = new ArrayList<>();

    private VifConfig parse(String spec) throws ConfigValueException {
        return VifSpec.parse(spec, warnings::add);
    }

    @Test
    void anEmptySpecMeansEveryDefault() throws Exception {
        assertThat(parse("")).isEqualTo(VifConfig.defaults());
        assertThat(parse("  ")).isEqualTo(VifConfig.defaults());
        assertThat(VifSpec.format(VifConfig.defaults())).isEmpty();
    }

    @Test
    void readsEveryOptionAndIgnoresBlanksAroundPairs() throws Exception {
        VifConfig vif = parse("mac=00:16:3E:76:47:D4, bridge=xenbr0 ,ip=10.2.64.251 10.2.192.251,script=vif-bridge,"
                + "type=ioemu,model=e1000,vifname=web1-pub,rate=10Mb/s@50ms,");
        assertThat(vif).isEqualTo(new VifConfig(Optional.of("00:16:3e:76:47:d4"), Optional.of("xenbr0"),
                Optional.of("10.2.64.251 10.2.192.251"), Optional.of("vif-bridge"), Optional.of("ioemu"),
                Optional.of("e1000"), Optional.of("web1-pub"), Optional.of("10Mb/s@50ms")));
        assertThat(warnings).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "mac=00:16:3e:zz:00:01      | invalid MAC address '00:16:3e:zz:00:01'",
            "colour=red                 | unknown option 'colour'",
            "bridge                     | 'bridge' is not KEY=VALUE",
            "rate=fast                  | rate 'fast' is not like 10Mb/s or 1GB/s@20ms"})
    void badSpecsAreRefusedNamingTheSpec(String spec, String reason) {
        assertThatThrownBy(() -> parse(spec)).isInstanceOf(ConfigValueException.class)
                .hasMessage("vif: '" + spec + "': " + reason);
    }

    @Test
    void xenOptionsWithoutEffectWarn() throws Exception {
        parse("bridge=xenbr0,accel=netfront,backend=0");
        assertThat(warnings).containsExactly("vif 'bridge=xenbr0,accel=netfront,backend=0': 'accel' has no effect in "
                + "vmhost; ignored");
    }

    @Test
    void formatWritesASpecThatReadsBackTheSame() throws Exception {
        String spec = "mac=00:16:3e:00:00:01,bridge=xenbr0,ip=10.0.0.2 10.0.0.3,script=vif-bridge,type=ioemu,"
                + "model=virtio,vifname=t1,rate=1GB/s";
        assertThat(VifSpec.format(parse(spec))).isEqualTo(spec);
    }
}
