package org.vmhost.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.config.VifSpec;
import org.vmhost.domain.DomainState;
import org.vmhost.error.ErrorCode;
import org.vmhost.domain.FakeDomainService;
import org.vmhost.error.VmhostException;
import org.vmhost.network.NetworkConfig;
import org.vmhost.network.NetworkInfo;
import org.vmhost.network.NetworkType;
import org.vmhost.network.Vif;

/** Networks and vifs from ApiClient through ApiServer to the service and back, every answer checked against the document. */
class NetworkApiTest {
    @TempDir
    Path home;
    ApiFixture api;
    ApiClient client;

    @BeforeEach
    void start() {
        api = new ApiFixture(home, new FakeDomainService().with(FakeDomainService.domain("web1", DomainState.RUNNING)));
        client = api.client();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void aNetworkIsCreatedListedAndDeleted() {
        NetworkInfo nat = client.createNetwork(new NetworkConfig("lab", NetworkType.NAT, "vmbr-lab", Optional.of("192.168.50.0/24")));

        assertThat(nat.subnet()).contains("192.168.50.0/24");
        assertThat(client.listNetworks()).containsExactly(nat);
        client.deleteNetwork("lab");
        assertThat(client.listNetworks()).isEmpty();
        assertThat(api.fake.calls()).containsExactly("createNetwork lab nat vmbr-lab", "listNetworks", "deleteNetwork lab", "listNetworks");
    }

    @Test
    void aMalformedNetworkIsABadRequestNamingWhatIsWrong() {
        ApiFixture.Reply reply = api.unix("POST", "/api/v1/networks", "{\"name\":\"lab\",\"type\":\"routed\",\"bridge\":\"br9\"}");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.body()).contains("bridged, nat or isolated");

        reply = api.unix("POST", "/api/v1/networks", "{\"name\":\"lab\",\"type\":\"nat\",\"bridge\":\"br9\"}");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.body()).contains("needs a subnet");
        assertThat(api.fake.calls()).isEmpty();
    }

    @Test
    void anUnknownNetworkIsNotFound() {
        assertThatThrownBy(() -> client.deleteNetwork("nope")).isInstanceOfSatisfying(VmhostException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_SUCH_DEVICE));
    }

    @Test
    void aVifIsAttachedListedAndDetachedByMacOrDevid() throws Exception {
        Vif a = client.attachVif("web1", VifSpec.parse("mac=00:16:3e:00:00:aa,bridge=lab,model=e1000,rate=10Mb/s", w -> { }));
        Vif b = client.attachVif("web1", VifSpec.parse("", w -> { }));

        assertThat(a.mac()).isEqualTo("00:16:3e:00:00:aa");
        assertThat(a.rate()).contains("10Mb/s");
        assertThat(client.listVifs("web1")).containsExactly(a, b);
        client.detachVif("web1", "00:16:3e:00:00:aa", false);
        client.detachVif("web1", Integer.toString(b.devid()), true);
        assertThat(client.listVifs("web1")).isEmpty();
        assertThat(api.fake.calls()).contains("detachVif web1 00:16:3e:00:00:aa force=false", "detachVif web1 1 force=true");
    }

    @Test
    void anAttachWithAnUnknownOptionOrABadForceIsABadRequest() {
        assertThat(api.unix("POST", "/api/v1/domains/web1/vifs", "{\"mac\":\"nope\"}").status()).isEqualTo(400);
        assertThat(api.unix("DELETE", "/api/v1/domains/web1/vifs/0?force=maybe", null).status()).isEqualTo(400);
        assertThat(api.fake.calls()).isEmpty();
    }

    @Test
    void theVifListOfADomainWithNoneIsEmpty() {
        assertThat(client.listVifs("web1")).isEqualTo(List.of());
    }
}
