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

    @Test
    void theLogLimitsAreSettingsAndAConsoleLimitTooSmallForTheHistoryIsRefused() {
        XendSettings s = XendSettings.parse("/h/xend.conf", "console_limit = 2097152\nevent_log_max = 500\nevent_log_days = 7\n");
        assertThat(s.integer("console_limit", 0, org.vmhost.console.ConsoleLog.MIN_LIMIT, 1L << 30)).isEqualTo(2097152);
        assertThat(s.integer("event_log_max", 0, 100, 10_000_000)).isEqualTo(500);
        assertThat(s.integer("event_log_days", 0, 1, 36_500)).isEqualTo(7);
        XendSettings small = XendSettings.parse("/h/xend.conf", "\nconsole_limit = 1000\n");
        assertThatThrownBy(() -> small.integer("console_limit", 0, org.vmhost.console.ConsoleLog.MIN_LIMIT, 1L << 30))
                .hasMessageStartingWith("/h/xend.conf:2: 'console_limit' must be a whole number from 65536");
    }
}
