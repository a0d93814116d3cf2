package org.vmhost.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class XendSettingsTest {

    @Test
    void aMissingFileMeansTheDefaults(@TempDir Path dir) {
        assertThat(XendSettings.load(dir.resolve("xend.conf")).source()).endsWith("xend.conf");
    }

    @Test
    void anUnknownKeyIsRefusedWithItsLine() {
        assertThatThrownBy(() -> XendSettings.parse("/h/xend.conf", "# settings\nno_such_setting = 1\n"))
                .hasMessageStartingWith("/h/xend.conf:2: unknown setting 'no_such_setting'");
    }

    @Test
    void aSyntaxErrorNamesTheFileAndLine() {
        assertThatThrownBy(() -> XendSettings.parse("/h/xend.conf", "a = \"open\n"))
                .hasMessageStartingWith("/h/xend.conf:1:");
    }
}
