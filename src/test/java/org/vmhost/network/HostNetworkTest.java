package org.vmhost.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/** What HostNetwork decides without touching the host: the user-mode fallback and the file it keeps. */
class HostNetworkTest {
    @TempDir
    Path home;

    private HostNetwork userMode() {
        return HostNetwork.open(home.resolve("networks.json"), home.resolve("network"), Map.of("VMHOST_NETWORK", "user"));
    }

    @Test
    void userModeIsSaidPlainlyWithItsReason() {
        HostNetwork n = userMode();
        assertThat(n.bridging()).isFalse();
        assertThat(n.describe()).isEqualTo("user-mode networking for every vif (no bridges): VMHOST_NETWORK=user asks for it");
    }

    @Test
    void inUserModeAVifGetsAMacAndNoTap() {
        Vif v = userMode().plug("web1", 3, 0, Optional.empty(), Optional.of("xenbr0"), Optional.empty(), "virtio", Optional.empty());
        assertThat(v.tap()).isEmpty();
        assertThat(v.bridge()).isEmpty();
        assertThat(v.mac()).startsWith("00:16:3e:");
    }

    @Test
    void aTypeUserVifThatNamesABridgeOrATapIsRefusedRatherThanIgnored() {
        assertThatThrownBy(() -> userMode().plugUserMode(1, Optional.empty(), Optional.of("xenbr0"), Optional.empty(),
                "virtio", Optional.empty())).hasMessage("vif 1: type=user has no tap and no bridge; it takes no bridge=xenbr0");
        assertThatThrownBy(() -> userMode().plugUserMode(1, Optional.empty(), Optional.empty(), Optional.of("t0"),
                "virtio", Optional.empty())).hasMessage("vif 1: type=user has no tap and no bridge; it takes no vifname=t0");
    }

    @Test
    void aRateLimitThatUserModeCannotApplyIsRefusedRatherThanDropped() {
        assertThatThrownBy(() -> userMode().plug("web1", 3, 0, Optional.empty(), Optional.of("xenbr0"), Optional.empty(),
                "virtio", Optional.of("10Mb/s")))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.getMessage())
                        .isEqualTo("vif 0: rate=10Mb/s needs a tap; a user-mode vif has none"));
    }

    @Test
    void inUserModeNoNetworkCanBeCreatedAndTheErrorSaysWhy() {
        assertThatThrownBy(() -> userMode().create(new NetworkConfig("lab", NetworkType.ISOLATED, "vmbr-lab", Optional.empty())))
                .isInstanceOfSatisfying(VmhostException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.HOST_FAILED);
                    assertThat(e.getMessage()).isEqualTo("cannot create network 'lab': VMHOST_NETWORK=user asks for it");
                });
    }

    @Test
    void theNetworksFileIsReadBackAndAFileFromANewerVmhostIsRefused() throws Exception {
        Files.writeString(home.resolve("networks.json"), """
                {"version":1,"networks":[
                  {"name":"xenbr0","type":"bridged","bridge":"xenbr0","subnet":null,"madeByXend":true},
                  {"name":"lab","type":"nat","bridge":"vmbr-lab","subnet":"192.168.50.0/24","madeByXend":true}]}
                """);
        HostNetwork n = userMode();
        assertThat(n.list()).extracting(NetworkInfo::name).containsExactly("xenbr0", "lab");
        assertThat(n.get("lab").subnet()).contains("192.168.50.0/24");
        assertThat(n.describe()).startsWith("user-mode networking");

        Files.writeString(home.resolve("networks.json"), "{\"version\":2,\"networks\":[]}");
        assertThatThrownBy(this::userMode).hasMessageContaining("written by a newer vmhost");

        Files.writeString(home.resolve("networks.json"), "");
        assertThatThrownBy(this::userMode).isInstanceOf(VmhostException.class)
                .hasMessage("cannot read " + home.resolve("networks.json") + ": no JSON value");
    }

    @Test
    void anUnknownNetworkIsNoSuchDevice() {
        assertThatThrownBy(() -> userMode().delete("nope")).isInstanceOfSatisfying(VmhostException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_SUCH_DEVICE));
    }

    @Test
    void aShaperIsNamedAfterItsTapWithinLinuxsFifteenBytes() {
        assertThat(HostNetwork.shaperOf("vif12.3")).isEqualTo("rvif12.3");
        assertThat(HostNetwork.shaperOf("a-fifteen-bytes")).hasSize(15);
    }

    @Test
    void aDomainNameBecomesADnsLabelForDnsmasqsHostsFile() {
        assertThat(HostNetwork.hostName("web1")).contains("web1");
        assertThat(HostNetwork.hostName("web#1")).contains("web-1");
        assertThat(HostNetwork.hostName("my web, #2 ")).contains("my-web-2");
        assertThat(HostNetwork.hostName("db.example")).contains("db-example");
        assertThat(HostNetwork.hostName("vm-café")).contains("xn--vm-caf-gva");
        assertThat(HostNetwork.hostName("_x_")).contains("x");
        assertThat(HostNetwork.hostName("a".repeat(100))).contains("a".repeat(63));
        assertThat(HostNetwork.hostName("##")).isEmpty();
        assertThat(HostNetwork.hostName("..")).isEmpty();
        assertThat(HostNetwork.hostName("a\nb,evil")).contains("a-b-evil");
    }
}
