package org.vmhost.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The tree's lenient accessors answer as Jackson's {@code JsonNode}'s did, value for value: the code that reads
 * QMP's answers and xend's files relies on their defaults.
 */
class JsonValueTest {
    private static final ObjectMapper JACKSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"\"12\"", "\" 7 \"", "\"1.9\"", "\"x\"", "\"\"", "\"true\"", "\"false\"", "\" true \"", "3", "0",
            "-4", "3.7", "-0.5", "1e3", "9223372036854775807", "18446744073709551615", "4294967296", "true", "false",
            "null", "{\"a\": 1}", "{}", "[1, 2]", "[]"})
    void everyAccessorAnswersAsJacksonsDid(String json) throws Exception {
        JsonNode jackson = JACKSON.readTree("{\"v\": " + json + "}");
        JsonValue ours = JsonCodec.parse("{\"v\": " + json + "}");
        for (String name : List.of("v", "absent")) {
            JsonNode j = jackson.path(name);
            JsonValue o = ours.path(name);
            assertThat(facts(o).toString()).as("%s of %s", name, json).isEqualTo(facts(j).toString());
            assertThat(ours.has(name)).isEqualTo(jackson.has(name));
            assertThat(ours.hasNonNull(name)).isEqualTo(jackson.hasNonNull(name));
            assertThat(ours.get(name) == null).isEqualTo(jackson.get(name) == null);
        }
    }

    private static List<Object> facts(JsonNode n) {
        List<Object> f = new ArrayList<>(List.of(n.asText(), n.asText("dflt"), n.asInt(), n.asInt(-9), n.asLong(), n.asLong(-9),
                n.asBoolean(), n.asBoolean(true), n.isMissingNode(), n.isNull(), n.isTextual(), n.isNumber(),
                n.isIntegralNumber(), n.isBoolean(), n.isObject(), n.isArray(), n.canConvertToInt(), n.canConvertToLong(),
                n.size(), n.isEmpty(), n.path("a").asText(), n.path(0).asText(), n.get(1) == null, n.asDouble()));
        for (JsonNode e : n) f.add(e.toString());
        return f;
    }

    private static List<Object> facts(JsonValue n) {
        List<Object> f = new ArrayList<>(List.of(n.asText(), n.asText("dflt"), n.asInt(), n.asInt(-9), n.asLong(), n.asLong(-9),
                n.asBoolean(), n.asBoolean(true), n.isMissingNode(), n.isNull(), n.isTextual(), n.isNumber(),
                n.isIntegralNumber(), n.isBoolean(), n.isObject(), n.isArray(), n.canConvertToInt(), n.canConvertToLong(),
                n.size(), n.isEmpty(), n.path("a").asText(), n.path(0).asText(), n.get(1) == null, n.asDouble()));
        for (JsonValue e : n) f.add(e.toString());
        return f;
    }
}
