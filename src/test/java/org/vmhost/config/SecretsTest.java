package org.vmhost.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SecretsTest {
    @Test
    void theHvmKeyAndTheVfbOptionAreMaskedAndTheTextStillReads() throws ConfigException {
        String text = """
                name = "win1"
                builder = 'hvm'
                vncpasswd = "s3cret"
                vfb = [ 'vnc=1,vncpasswd=an0ther,keymap=de' ]
                spicepasswd='th1rd'
                """;

        String masked = Secrets.mask(text);

        assertThat(masked).doesNotContain("s3cret").doesNotContain("an0ther").doesNotContain("th1rd")
                .contains("vncpasswd = \"XXXXXXXX\"").contains("'vnc=1,vncpasswd=XXXXXXXX,keymap=de'")
                .contains("spicepasswd='XXXXXXXX'");
        assertThat(ConfigLoader.parse("win1", masked, List.of()).config().name()).isEqualTo("win1");
        assertThat(Secrets.mask(masked)).isEqualTo(masked);
    }

    @Test
    void aPasswordWithEscapedQuotesIsMaskedWhole() {
        assertThat(Secrets.mask("vncpasswd = \"a\\\"b c\"\n")).isEqualTo("vncpasswd = \"XXXXXXXX\"\n");
    }

    /** The key in any case (xm reads it as written): the quick test for "passwd" before the pattern must not miss one. */
    @Test
    void aPasswordKeyInCapitalsIsMaskedToo() {
        assertThat(Secrets.mask("VNCPASSWD = 's3cret'\nvfb = [ 'vnc=1,VncPasswd=an0ther' ]\n"))
                .isEqualTo("VNCPASSWD = 'XXXXXXXX'\nvfb = [ 'vnc=1,VncPasswd=XXXXXXXX' ]\n");
    }

    /** What a viewer must not read through the masked view, whatever the password holds or however it is set. */
    @Test
    void anAppendedPasswordAndAVfbPasswordWithSpacesOrQuotesAreMaskedWhole() throws ConfigException {
        assertThat(Secrets.mask("vncpasswd += \"s3cret\"\nspicepasswd+='th1rd'\n"))
                .isEqualTo("vncpasswd += \"XXXXXXXX\"\nspicepasswd+='XXXXXXXX'\n");
        assertThat(Secrets.mask("vfb = [ 'vnc=1,vncpasswd=ab cd,keymap=de' ]\n"))
                .isEqualTo("vfb = [ 'vnc=1,vncpasswd=XXXXXXXX,keymap=de' ]\n");
        assertThat(Secrets.mask("vfb = [ \"vnc=1,vncpasswd=a'b]c\" ]\n")).isEqualTo("vfb = [ \"vnc=1,vncpasswd=XXXXXXXX\" ]\n");
        assertThat(Secrets.mask("vfb = [ 'vnc=1,vncpasswd=a\\'b' ]\n")).isEqualTo("vfb = [ 'vnc=1,vncpasswd=XXXXXXXX' ]\n");
        String text = "name = 'w'\nvncpasswd = 'a'\nvncpasswd += 'b'\nvfb = [ 'vnc=1,vncpasswd=x y' ]\n";
        String masked = Secrets.mask(text);
        assertThat(masked).doesNotContain("'a'").doesNotContain("'b'").doesNotContain("x y");
        assertThat(Secrets.mask(masked)).isEqualTo(masked);
        assertThat(Secrets.keep("w.cfg", masked, text)).isEqualTo(text);
    }

    /** A mask moved, typed into another setting or left in a comment never gets a password it does not stand for. */
    @Test
    void anEditKeepsEachPasswordInItsOwnSettingAndCommentsCountForNothing() throws ConfigException {
        String stored = "name = 'w'\n# old: vncpasswd = 'old-one'\nvncpasswd = 's3cret'\nvfb = [ 'vnc=1,vncpasswd=an0ther' ]\n";
        String masked = Secrets.mask(stored);
        assertThat(masked).doesNotContain("old-one");

        // The comment deleted: the key keeps its own password, not the comment's.
        String noComment = masked.replaceAll("(?m)^#.*\n", "");
        assertThat(Secrets.keep("w.cfg", noComment, stored))
                .isEqualTo("name = 'w'\nvncpasswd = 's3cret'\nvfb = [ 'vnc=1,vncpasswd=an0ther' ]\n");
        // A mask typed into extra (QEMU's -append, which ps shows) stands for no password of extra's: refused.
        String intoExtra = "extra = 'console=ttyS0 vncpasswd=XXXXXXXX'\n" + masked;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Secrets.keep("w.cfg", intoExtra, stored))
                .isInstanceOf(ConfigValueException.class).hasMessageStartingWith("w.cfg:1: vncpasswd: XXXXXXXX stands for");
        // A mask with a space before it is still the mask, not a new password "XXXXXXXX".
        String spaced = masked.replace("vncpasswd=XXXXXXXX", "vncpasswd= XXXXXXXX");
        assertThat(Secrets.keep("w.cfg", spaced, stored)).contains("vncpasswd=an0ther").doesNotContain("XXXXXXXX' ]");
    }

    @Test
    void aPasswordInAStringThatIsNotAVfbOptionIsNotTakenForOne() {
        String text = "name = 'w'\nextra = 'console=ttyS0 myvncpasswd=1'\n";
        assertThat(Secrets.mask(text)).isEqualTo(text);
    }

    @Test
    void textWithoutPasswordsIsLeftAsItWas() {
        String text = "name = 'a'\n# the vnc password is set elsewhere\nvnc = 1\n";

        assertThat(Secrets.mask(text)).isEqualTo(text);
    }

    @Test
    void anEditedTextKeepsTheStoredPasswordsWhereTheMaskStayed() throws ConfigException {
        String stored = "name = 'win1'\nvncpasswd = \"s3cret\"\nvfb = [ 'vnc=1,vncpasswd=an0ther' ]\nmemory = 512\n";
        String edited = Secrets.mask(stored).replace("memory = 512", "memory = 1024");

        assertThat(Secrets.keep("win1.cfg", edited, stored))
                .isEqualTo("name = 'win1'\nvncpasswd = \"s3cret\"\nvfb = [ 'vnc=1,vncpasswd=an0ther' ]\nmemory = 1024\n");
    }

    @Test
    void aPasswordTheUserTypedReplacesTheStoredOne() throws ConfigException {
        String stored = "name = 'win1'\nvncpasswd = \"s3cret\"\n";

        assertThat(Secrets.keep("win1.cfg", "name = 'win1'\nvncpasswd = \"n3w\"\n", stored))
                .isEqualTo("name = 'win1'\nvncpasswd = \"n3w\"\n");
    }

    @Test
    void aMaskThatStandsForNoStoredPasswordIsRefusedAtItsLine() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        Secrets.keep("win1.cfg", "name = 'win1'\nmemory = 256\nvncpasswd = 'XXXXXXXX'\n", "name = 'win1'\n"))
                .isInstanceOf(ConfigValueException.class)
                .hasMessageStartingWith("win1.cfg:3: vncpasswd: XXXXXXXX stands for a stored password");
    }
}
