package org.vmhost.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.vmhost.config.DomainType;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainState;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/** xm's hand-read answers read exactly what Jackson's data binding (every other answer's reader) reads. */
class LeanAnswersTest {
    private static final List<DomainInfo> DOMAINS = List.of(
            new DomainInfo("Domain-0", OptionalInt.of(0), "00000000-0000-0000-0000-000000000000", DomainType.PV,
                    DomainState.RUNNING, 24105, 24105, 2, 18399.91, false, false, "", 34180.62, Optional.empty()),
            new DomainInfo("web \"1\", vm-café\n", OptionalInt.of(7), "0b6c2a1e-3b7d-4e8a-9c0f-1d2e3f4a5b6c", DomainType.HVM,
                    DomainState.REATTACHING, 512, 1024, 4, 0.25, true, true, "name = \"web\"\nvncpasswd = \"secret\"\n", 12.5,
                    Optional.empty()),
            new DomainInfo("odd", OptionalInt.empty(), "1b6c2a1e-3b7d-4e8a-9c0f-1d2e3f4a5b6c", null, DomainState.SHUT_OFF,
                    0, 0, 0, 0, true, false, "memory = 'a lot'\n", 0, Optional.of("odd.cfg:1: not a number")));

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theDomainListReadsAsDataBindingReadsIt() throws IOException {
        byte[] body = Json.write(new ResponseBody.DomainList(DOMAINS));
        assertThat(LeanAnswers.domainList(body)).isEqualTo(Json.readResponse(body, ResponseBody.DomainList.class).domains())
                .isEqualTo(DOMAINS.stream().map(d -> new DomainInfo(d.name(), d.domid(), d.uuid(), d.type(), d.state(),
                        d.memory(), d.maxmem(), d.vcpus(), d.cpuTime(), d.managed(), d.autostart(), d.configText(),
                        d.uptime(), d.error())).toList());
        for (DomainInfo d : DOMAINS) {
            byte[] one = Json.write(d);
            assertThat(LeanAnswers.domainInfo(one)).isEqualTo(Json.readResponse(one, DomainInfo.class));
        }
    }

    @Test
    void fieldsANewerXendAddsAreSkippedAndAbsentOptionalsAreEmpty() throws IOException {
        String body = "{\"next\":{\"a\":[1,{\"b\":2}]},\"domains\":[{\"name\":\"a\",\"uuid\":\"u\",\"type\":\"PV\",\"state\":\"RUNNING\","
                + "\"memory\":\"64\",\"maxmem\":64.0,\"vcpus\":1,\"cpuTime\":1,\"managed\":true,\"autostart\":false,"
                + "\"configText\":\"\",\"uptime\":2,\"extra\":[true,null]}],\"more\":null}";
        List<DomainInfo> lean = LeanAnswers.domainList(bytes(body));
        assertThat(lean).isEqualTo(Json.readResponse(bytes(body), ResponseBody.DomainList.class).domains());
        assertThat(lean.get(0).domid()).isEmpty();
        assertThat(lean.get(0).error()).isEmpty();
        assertThat(lean.get(0).memory()).isEqualTo(64);
    }

    @Test
    void whatDataBindingRefusesIsRefused() {
        for (String body : List.of("[]", "{}", "{\"domains\":{}}", "{\"domains\":[{\"name\":\"a\"}]}",
                "{\"domains\":[{\"name\":\"a\",\"uuid\":\"u\",\"type\":\"PV\",\"state\":\"HIBERNATING\",\"configText\":\"\"}]}",
                "{\"domains\":[{\"name\":\"a\",\"uuid\":\"u\",\"type\":\"PV\",\"state\":\"RUNNING\",\"configText\":\"\",\"vcpus\":\"many\"}]}",
                "not json")) {
            assertThatThrownBy(() -> Json.readResponse(bytes(body), ResponseBody.DomainList.class)).as(body).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> LeanAnswers.domainList(bytes(body))).as(body).isInstanceOf(IOException.class);
        }
    }

    @Test
    void anErrorBodyBecomesTheExceptionXendThrew() throws IOException {
        byte[] body = Json.write(ResponseBody.ErrorBody.of(new VmhostException(ErrorCode.NO_SUCH_DOMAIN, "domain 'x' does not exist")));
        VmhostException e = LeanAnswers.error(body);
        assertThat(e.code()).isEqualTo(ErrorCode.NO_SUCH_DOMAIN);
        assertThat(e.getMessage()).isEqualTo("domain 'x' does not exist");
        assertThatThrownBy(() -> LeanAnswers.error(bytes("{\"error\":{\"code\":\"NEWER_CODE\",\"message\":\"m\"}}")))
                .as("a code this xm does not know: the client's fallback keeps it in the message").isInstanceOf(IOException.class);
    }

    @Test
    void xmsCreateRequestIsWrittenByteForByteAsDataBindingWritesIt() {
        for (RequestBody.CreateDomain body : List.of(
                new RequestBody.CreateDomain("web.cfg", "name = \"web\"\nmemory = 256\n", List.of(), true, false),
                new RequestBody.CreateDomain("/etc/xen/vm-café \"1\".cfg", "name = 'vm-café'\n\t# \u0001 \\ \u2028\n",
                        List.of("memory=512", "vif=['bridge=xenbr0,mac=00:16:3e:00:00:01']", ""), true, true),
                new RequestBody.CreateDomain("x", "", List.of("a\"b"), false, false))) {
            assertThat(new String(LeanRequests.createDomain(body), StandardCharsets.UTF_8))
                    .isEqualTo(new String(Json.write(body), StandardCharsets.UTF_8));
            assertThat(Json.readRequest(LeanRequests.createDomain(body), RequestBody.CreateDomain.class)).isEqualTo(body);
        }
    }
}
