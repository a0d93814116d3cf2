package org.vmhost.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigEditorTest {
    static final String TEXT = """
            # web server, see ticket 42
            name = "web1"
            memory = 256   # enough for nginx
            vcpus = 1
            disk = [ 'file:/pool/web1.img,xvda,w',
                     # the data disk
                     'file:/pool/data.img,xvdb,w' ]
            kernel = "/boot/vmlinuz"
            """;

    static DomainConfig read(String text, List<String> overrides) throws ConfigException {
        return ConfigLoader.parse("web1.cfg", text, overrides).config();
    }

    @Test
    void anOverrideRewritesItsSettingInPlaceAndKeepsTheComments() throws ConfigException {
        String edited = ConfigEditor.apply("web1.cfg", TEXT, List.of("memory=320", "vcpus=2")).orElseThrow();

        assertThat(edited).isEqualTo(TEXT.replace("memory = 256 ", "memory = 320 ").replace("vcpus = 1", "vcpus = 2"));
        assertThat(edited).contains("# web server, see ticket 42").contains("memory = 320   # enough for nginx");
        assertThat(read(edited, List.of())).isEqualTo(read(TEXT, List.of("memory=320", "vcpus=2")));
    }

    @Test
    void aListSpreadOverLinesIsReplacedWholeAndAnUnsetKeyIsAddedAtTheEnd() throws ConfigException {
        List<String> overrides = List.of("disk=['file:/pool/web1.img,xvda,w']", "boot='dc'", "vfb=[]", "extra=console=ttyS0 quiet");
        String edited = ConfigEditor.apply("web1.cfg", TEXT, overrides).orElseThrow();

        assertThat(edited).contains("disk = [ \"file:/pool/web1.img,xvda,w\" ]\nkernel")
                .doesNotContain("data.img").doesNotContain("the data disk")
                .endsWith("kernel = \"/boot/vmlinuz\"\nboot = \"dc\"\nvfb = [ ]\nextra = \"console=ttyS0 quiet\"\n")
                .startsWith("# web server, see ticket 42\n");
        assertThat(read(edited, List.of())).isEqualTo(read(TEXT, overrides));
    }

    @Test
    void aStringIsQuotedSoThatItReadsBackAsItWas() throws ConfigException {
        String edited = ConfigEditor.apply("web1.cfg", TEXT, List.of("extra='a \"b\" \\\\c'")).orElseThrow();

        assertThat(read(edited, List.of()).extra()).isEqualTo(read(TEXT, List.of("extra='a \"b\" \\\\c'")).extra());
    }

    @Test
    void anAppendOrAKeyGivenTwiceOrSetTwiceIsNotEditedInPlace() throws ConfigException {
        assertThat(ConfigEditor.apply("web1.cfg", TEXT, List.of("disk+=['file:/pool/x.img,xvdc,w']"))).isEmpty();
        assertThat(ConfigEditor.apply("web1.cfg", TEXT, List.of("disk=a", "disk=b"))).isEmpty();
        assertThat(ConfigEditor.apply("web1.cfg", TEXT + "memory = 300\n", List.of("memory=400"))).isEmpty();
        assertThat(ConfigEditor.apply("web1.cfg", TEXT + "memory = 300\n", List.of("vcpus=2"))).isPresent();
    }

    @Test
    void aTextThatDoesNotReadIsRefusedAtItsLine() {
        assertThatThrownBy(() -> ConfigEditor.apply("web1.cfg", "memory = [ 1\n", List.of("vcpus=2")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("web1.cfg:1:");
    }
}
