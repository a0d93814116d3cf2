package org.vmhost.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The domain name rule: every name xl accepts, except those a reference could not tell apart from others. */
class DomainNameTest {

    @ParameterizedTest
    @ValueSource(strings = {"web#1", "vm-café", "web 1", " lead and tail ", "a,b", "a/b", ".", "..", "-dash", "日本語",
            "emoji \uD83D\uDE00", "quote'and\"double", "back\\slash", "Domain-01", "domain-0", "0x12", "12a", "-1", "1.5",
            "4e0f4d0f-9f3b-4c52-a0a5-2d6f0c3e5a1", "{4e0f4d0f-9f3b-4c52-a0a5-2d6f0c3e5a11}", "%2F", "?x=1&y=2"})
    void aNameXlAcceptsIsAccepted(String name) {
        assertThat(DomainConfig.nameProblem(name)).as(name).isEmpty();
        assertThat(config(name).name()).isEqualTo(name);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0                                    | a name of digits only would be read as a domain id",
            "007                                  | a name of digits only would be read as a domain id",
            "4e0f4d0f-9f3b-4c52-a0a5-2d6f0c3e5a11 | a name shaped like a UUID would be read as a UUID",
            "4E0F4D0F-9F3B-4C52-A0A5-2D6F0C3E5A11 | a name shaped like a UUID would be read as a UUID",
            "Domain-0                             | Domain-0 is the host's own domain (id 0)"})
    void aNameThatCannotBeToldApartFromAnotherReferenceIsRefusedSayingWhy(String name, String why) {
        assertThat(DomainConfig.nameProblem(name)).contains(why);
        assertThatThrownBy(() -> config(name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid domain name '" + name + "': " + why);
    }

    @Test
    void anEmptyNameIsRefused() {
        assertThat(DomainConfig.nameProblem("")).contains("a domain needs a name");
    }

    @Test
    void aControlCharacterIsRefusedNamingIt() {
        assertThat(DomainConfig.nameProblem("web\n1")).contains("control character U+000A in a name would break xm list and the logs");
        assertThat(DomainConfig.nameProblem("web\u0000")).contains("control character U+0000 in a name would break xm list and the logs");
        assertThat(DomainConfig.nameProblem("web\u0085")).contains("control character U+0085 in a name would break xm list and the logs");
        assertThat(DomainConfig.nameProblem("tab\there")).isPresent();
    }

    @Test
    void aLoneSurrogateIsNotText() {
        assertThat(DomainConfig.nameProblem("bad\uD800")).contains("the name is not valid Unicode text");
    }

    @Test
    void aNameMayBeAsLongAsXensStoreHoldsInUtf8Bytes() {
        assertThat(DomainConfig.MAX_NAME_BYTES).isEqualTo(4096 - 46);
        assertThat(DomainConfig.nameProblem("a".repeat(DomainConfig.MAX_NAME_BYTES))).isEmpty();
        assertThat(DomainConfig.nameProblem("a".repeat(DomainConfig.MAX_NAME_BYTES + 1)))
                .contains("longer than 4050 bytes (UTF-8), more than Xen's store holds");
        // é is two bytes in UTF-8: 2026 of them are 4052 bytes
        assertThat(DomainConfig.nameProblem("é".repeat(2026))).isPresent();
        assertThat(DomainConfig.nameProblem("é".repeat(2025))).isEmpty();
    }

    @Test
    void aConfigFileWithSuchANameIsRefusedAtItsLine() {
        assertThatThrownBy(() -> ConfigLoader.parse("x.cfg", "kernel = '/k'\nname = 'Domain-0'\n", java.util.List.of()))
                .hasMessage("x.cfg:2: name: 'Domain-0' is not a valid domain name: Domain-0 is the host's own domain (id 0)");
    }

    private static DomainConfig config(String name) {
        return new DomainConfig(name, Optional.empty(), DomainType.PV, 128, 128, 1, Optional.empty(), 256, 0,
                Optional.of("/k"), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                java.util.List.of(), java.util.List.of(), java.util.List.of(), Optional.empty(), "c", false, false,
                LifecycleAction.DESTROY, LifecycleAction.RESTART, LifecycleAction.RESTART, false, true, true, true, false,
                java.util.List.of(), Optional.empty());
    }
}
