package org.vmhost.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class NetworkConfigTest {

    @Test
    void aNatNetworkGivesTheHostTheFirstAddressAndLeasesTheRest() {
        Subnet s = Subnet.parse("192.168.100.0/24");
        assertThat(s.hostAddressWithPrefix()).isEqualTo("192.168.100.1/24");
        assertThat(s.firstLease()).isEqualTo("192.168.100.2");
        assertThat(s.lastLease()).isEqualTo("192.168.100.254");
        assertThat(s.netmask()).isEqualTo("255.255.255.0");
        assertThat(Subnet.parse("10.0.0.0/29").lastLease()).isEqualTo("10.0.0.6");
    }

    @Test
    void aSubnetWithHostBitsOrABadPrefixIsRefused() {
        assertThatThrownBy(() -> Subnet.parse("192.168.100.1/24")).hasMessageContaining("host bits");
        assertThatThrownBy(() -> Subnet.parse("192.168.100.0/30")).hasMessageContaining("8 to 29");
        assertThatThrownBy(() -> Subnet.parse("192.168.300.0/24")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> Subnet.parse("fe80::/16")).hasMessageContaining("not like");
    }

    @Test
    void onlyANatNetworkHasASubnetAndItMustHaveOne() {
        assertThatThrownBy(() -> new NetworkConfig("n", NetworkType.NAT, "br1", Optional.empty()))
                .hasMessageContaining("needs a subnet");
        assertThatThrownBy(() -> new NetworkConfig("n", NetworkType.ISOLATED, "br1", Optional.of("10.0.0.0/24")))
                .hasMessageContaining("only a nat network");
        assertThat(new NetworkConfig("n", NetworkType.BRIDGED, "xenbr0", Optional.empty()).bridge()).isEqualTo("xenbr0");
    }

    @Test
    void onlyABridgedNetworkHasAnUplinkAndNotItself() {
        assertThat(new NetworkConfig("lan", NetworkType.BRIDGED, "xenbr0", Optional.empty(), Optional.of("eth0")).uplink())
                .contains("eth0");
        assertThat(new NetworkConfig("lan", NetworkType.BRIDGED, "xenbr0", Optional.empty()).uplink()).isEmpty();
        assertThatThrownBy(() -> new NetworkConfig("n", NetworkType.NAT, "br1", Optional.of("10.0.0.0/24"), Optional.of("eth0")))
                .hasMessageContaining("only a bridged network has an uplink");
        assertThatThrownBy(() -> new NetworkConfig("n", NetworkType.BRIDGED, "br1", Optional.empty(), Optional.of("br1")))
                .hasMessageContaining("its own uplink");
    }

    @Test
    void bridgeAndNetworkNamesAreChecked() {
        assertThatThrownBy(() -> new NetworkConfig("n", NetworkType.BRIDGED, "a-bridge-name-too-long", Optional.empty()))
                .hasMessageContaining("at most 15");
        assertThatThrownBy(() -> new NetworkConfig("bad name", NetworkType.BRIDGED, "br0", Optional.empty()))
                .hasMessageContaining("invalid network name");
        assertThat(NetworkType.fromConfigName("isolated")).isEqualTo(NetworkType.ISOLATED);
        assertThatThrownBy(() -> NetworkType.fromConfigName("routed")).hasMessageContaining("bridged, nat or isolated");
    }

    @Test
    void xenRatesBecomeBitsPerSecondWithABurstOfTheReplenishInterval() {
        assertThat(Rate.parse("10Mb/s").bitsPerSecond()).isEqualTo(10_000_000L);
        assertThat(Rate.parse("1MB/s").bitsPerSecond()).isEqualTo(8_000_000L);
        assertThat(Rate.parse("100Mb/s").burstBytes()).isEqualTo(100_000_000L / 8 / 20);
        assertThat(Rate.parse("100Mb/s@10ms").burstBytes()).isEqualTo(125_000L);
        assertThat(Rate.parse("8Kb/s").burstBytes()).as("never below a few frames").isEqualTo(16 * 1514);
        assertThatThrownBy(() -> Rate.parse("fast")).hasMessageContaining("not like");
    }

    @Test
    void randomMacsAreUnderXensPrefixWithTheTopBitOfTheFourthByteClear() {
        for (int i = 0; i < 200; i++) {
            assertThat(MacAddress.random()).matches("00:16:3e:[0-7][0-9a-f](:[0-9a-f]{2}){2}");
        }
    }

    @Test
    void nftablesRulesNameOnlyTheirOwnBridge() {
        assertThat(HostNetwork.tableFor("vmht.x-1")).isEqualTo("vmhost_vmht_2e_x_2d_1");
        assertThat(java.util.stream.Stream.of("vm.a", "vm-a", "vm_a", "vm_2e_a").map(HostNetwork::tableFor).distinct())
                .as("bridge names that differ never share a table").hasSize(4);
        assertThat(HostNetwork.isolatedRules("br9")).contains("iifname \"br9\" drop").doesNotContain("masquerade");
        assertThat(HostNetwork.natRules("br9", Subnet.parse("10.9.0.0/24")))
                .contains("ip saddr 10.9.0.0/24 ip daddr != 10.9.0.0/24 oifname != \"br9\" masquerade");
    }
}
