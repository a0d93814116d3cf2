package org.vmhost.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The codec reads and writes JSON text as Jackson's data binding did, so that files and wires keep their form. */
class JsonCodecTest {
    private static final ObjectMapper JACKSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"return\": {\"status\": \"running\", \"running\": true, \"singlestep\": false}, \"id\": 7}",
            "[{\"bus\": 0, \"devices\": [{\"slot\": 1, \"qdev_id\": \"\", \"regions\": []}]}, null, 1.5, -3, 0]",
            "{\"big\": 18446744073709551615, \"long\": 9223372036854775807, \"neg\": -9223372036854775808, \"tiny\": 1e-7}",
            "{\"text\": \"tab\\there \\\"quoted\\\" \\u00e9 \\ud83d\\ude00 \\\\ back / slash\", \"empty\": {}, \"none\": []}",
            "{\"dup\": 1, \"dup\": 2, \"nested\": {\"a\": {\"b\": {\"c\": [[], [[]], {}]}}}}",
            "\"just text\"", "42", "true", "null"})
    void whatItReadsItWritesAsJacksonDid(String json) throws Exception {
        JsonNode jackson = JACKSON.readTree(json);
        JsonValue ours = JsonCodec.parse(json);
        assertThat(ours.toString()).isEqualTo(jackson.toString());
        assertThat(JsonCodec.bytes(ours)).isEqualTo(JACKSON.writeValueAsBytes(jackson));
        assertThat(JsonCodec.prettyBytes(ours)).isEqualTo(JACKSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(jackson));
        assertThat(JsonCodec.parse(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(ours);
    }

    @Test
    void aDocumentOfNothingIsMissing() throws Exception {
        assertThat(JsonCodec.parse("").isMissingNode()).isTrue();
        assertThat(JsonCodec.parse("  \n").isMissingNode()).isTrue();
    }

    @Test
    void parseTakesTheFirstValueAndParseOnlyRefusesASecond() throws Exception {
        assertThat(JsonCodec.parse("{\"a\": 1} {\"b\": 2}").path("a").asInt()).isEqualTo(1);
        assertThatThrownBy(() -> JsonCodec.parseOnly("{\"a\": 1} {\"b\": 2}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(JsonCodec.TrailingValueException.class).hasMessageStartingWith("Trailing token");
        assertThat(JsonCodec.parseOnly("{\"a\": 1}  \n".getBytes(StandardCharsets.UTF_8)).path("a").asInt()).isEqualTo(1);
    }

    @Test
    void brokenJsonSaysWhereItBroke() {
        assertThatThrownBy(() -> JsonCodec.parse("{\"a\": 1,\n \"b\": nope}"))
                .isInstanceOfSatisfying(JsonParseException.class, e -> {
                    assertThat(e.getOriginalMessage()).contains("nope");
                    assertThat(e.getLocation().getLineNr()).isEqualTo(2);
                });
        assertThatThrownBy(() -> JsonCodec.parse("{\"a\": [1, 2}")).isInstanceOf(JsonParseException.class);
    }

    @Test
    void whatItBuildsItWritesAsJacksonBuiltIt() throws Exception {
        JsonObject ours = new JsonObject().put("execute", "device_add").put("id", 3L);
        ours.putObject("arguments").put("driver", "virtio-net-pci").put("id", "net0,x").put("addr", 5)
                .put("on", true).put("ratio", 0.25).put("gone", (String) null).putArray("list").add("a").add(2).addObject()
                .put("deep", false);
        var jackson = JACKSON.createObjectNode().put("execute", "device_add").put("id", 3L);
        jackson.putObject("arguments").put("driver", "virtio-net-pci").put("id", "net0,x").put("addr", 5)
                .put("on", true).put("ratio", 0.25).put("gone", (String) null).putArray("list").add("a").add(2).addObject()
                .put("deep", false);
        assertThat(ours.toString()).isEqualTo(JACKSON.writeValueAsString(jackson));
        assertThat(JsonCodec.parse(ours.toString())).isEqualTo(ours);
        JsonObject copy = ours.deepCopy();
        ((JsonObject) copy.get("arguments")).put("driver", "changed");
        assertThat(ours.path("arguments").path("driver").asText()).isEqualTo("virtio-net-pci");
    }
}
