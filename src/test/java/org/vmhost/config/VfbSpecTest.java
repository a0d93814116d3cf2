package org.vmhost.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VfbSpecTest {

    private final List<String> warnings = new ArrayList<>();

    private VfbConfig parse(String spec) throws ConfigValueException {
        return VfbSpec.parse(spec, warnings::add);
    }

    @Test
    void vncIsOnUnlessTurnedOffOrSdlIsAskedFor() throws Exception {
        assertThat(parse("").vnc()).isTrue();
        assertThat(parse("type=vnc").vnc()).isTrue();
        assertThat(parse("type=sdl")).extracting(VfbConfig::vnc, VfbConfig::sdl).containsExactly(false, true);
        assertThat(parse("vnc=0").vnc()).isFalse();
        assertThat(parse("sdl=yes,vnc=no")).extracting(VfbConfig::vnc, VfbConfig::sdl).containsExactly(false, true);
    }

    @Test
    void readsEveryOption() throws Exception {
        assertThat(parse("vnc=1, vnclisten=0.0.0.0, vncdisplay=5, vncunused=0, vncpasswd=s3cret, keymap=de"))
                .isEqualTo(new VfbConfig(true, false, Optional.of("0.0.0.0"), OptionalInt.of(5), false,
                        Optional.of("s3cret"), Optional.of("de")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "vnc=maybe          | vnc 'maybe' is not 1, 0, yes or no",
            "type=spice         | type 'spice' is neither vnc nor sdl",
            "vncdisplay=-1      | vncdisplay '-1' is not a display number (0 to 59635)",
            "vncdisplay=x       | vncdisplay 'x' is not a display number (0 to 59635)",
            "colour=red         | unknown option 'colour'",
            "vnclisten=websocket=5700 | vnclisten must be an IP address or a host name, not 'websocket=5700'",
            "vnclisten=unix:/tmp/v    | vnclisten must be an IP address or a host name, not 'unix:/tmp/v'"})
    void badSpecsAreRefusedNamingTheSpec(String spec, String reason) {
        assertThatThrownBy(() -> parse(spec)).isInstanceOf(ConfigValueException.class)
                .hasMessage("vfb: '" + spec + "': " + reason);
    }

    @Test
    void aRefusedSpecIsQuotedWithItsPasswordMasked() {
        // The message goes to xend's log, and for a stored definition that no longer reads, into every viewer's list.
        assertThatThrownBy(() -> parse("vnc=1,vncpasswd=s3cret,vnclisten=unix:/tmp/v")).isInstanceOf(ConfigValueException.class)
                .hasMessage("vfb: 'vnc=1,vncpasswd=XXXXXXXX,vnclisten=unix:/tmp/v': "
                        + "vnclisten must be an IP address or a host name, not 'unix:/tmp/v'");
        assertThatThrownBy(() -> parse("vncpasswd = s3cret ,colour=red")).hasMessageNotContaining("s3cret")
                .hasMessageContaining("'vncpasswd =XXXXXXXX,colour=red'");
        // a misspelt key's value, and what a comma cut from a password, are not quoted either
        assertThatThrownBy(() -> parse("vnc=1,vncpassword=s3cret")).hasMessageNotContaining("s3cret")
                .hasMessage("vfb: 'vnc=1,vncpassword=XXXXXXXX': unknown option 'vncpassword'");
        assertThatThrownBy(() -> parse("vncpasswd=ab,cd,vnc=1")).hasMessageNotContaining("cd")
                .hasMessage("vfb: 'vncpasswd=XXXXXXXX,vnc=1': a part is not KEY=VALUE");
        assertThat(warnings).isEmpty();
    }

    @Test
    void aWarningQuotesTheSpecWithItsPasswordMasked() throws Exception {
        parse("vnc=1,display=:0,vncpasswd=s3cret");
        assertThat(warnings).containsExactly("vfb 'vnc=1,display=:0,vncpasswd=XXXXXXXX': 'display' has no effect in vmhost; ignored");
    }

    @Test
    void sdlDisplaySettingsWarn() throws Exception {
        parse("type=sdl,display=:0,xauthority=/root/.Xauthority");
        assertThat(warnings).hasSize(2).allMatch(w -> w.endsWith("has no effect in vmhost; ignored"));
    }

    @Test
    void formatWritesASpecThatReadsBackTheSame() throws Exception {
        for (String spec : List.of("vnc=1", "vnc=0,sdl=1", "vnc=1,vnclisten=127.0.0.1,vncdisplay=3,vncunused=0,"
                + "vncpasswd=pw,keymap=en-us")) {
            assertThat(VfbSpec.format(parse(spec))).isEqualTo(spec);
        }
    }
}
