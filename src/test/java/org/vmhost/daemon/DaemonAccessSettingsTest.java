package org.vmhost.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmhost.api.ApiSettings;

/** The API's access settings as xend reads them from xend.conf. */
class DaemonAccessSettingsTest {
    @Test
    void withoutSettingsTheSocketIsRootsAndLoginsUseThePamServiceVmhost() {
        assertThat(Daemon.access(XendSettings.parse("/h/xend.conf", ""))).isEqualTo(ApiSettings.Access.DEFAULT);
    }

    @Test
    void theGroupHostsPamServiceAndTlsAreRead() {
        ApiSettings.Access access = Daemon.access(XendSettings.parse("/h/xend.conf", """
                unix_sock_group = "vmadmin"
                api_allowed_hosts = [ "vmhost.example.org", "10.0.0.5" ]
                api_pam_service = "vmhost-2fa"
                api_tls = 1
                """));

        assertThat(access).isEqualTo(new ApiSettings.Access(Optional.of("vmadmin"), List.of("vmhost.example.org", "10.0.0.5"),
                "vmhost-2fa", true));
    }

    @Test
    void aGroupNameThatCannotBeOneIsRefusedNamingTheFile() {
        assertThatThrownBy(() -> Daemon.access(XendSettings.parse("/h/xend.conf", "unix_sock_group = \"a b\"\n")))
                .hasMessage("/h/xend.conf: invalid group name: a b");
    }

    @Test
    void aGroupGivenAsANumberIsRefusedWithItsLine() {
        assertThatThrownBy(() -> Daemon.access(XendSettings.parse("/h/xend.conf", "\nunix_sock_group = 0\n")))
                .hasMessage("/h/xend.conf:2: 'unix_sock_group' must be a quoted string");
    }
}
