package org.vmhost.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vmhost.json.JsonBinding.Strictness;

/** Records to JSON as Jackson's data binding wrote them, and back, strictly for requests and leniently for answers. */
class JsonBindingTest {
    enum Colour { RED, GREEN }

    record Inner(String name, OptionalInt size) {}

    record Letter(char state, String why) {}

    record Outer(String id, int count, long bytes, boolean on, Boolean maybe, double ratio, Colour colour,
                 Optional<String> note, OptionalInt limit, Instant at, List<Inner> inners, Map<String, Integer> counts,
                 Set<String> tags, Inner single) {}

    @JsonInclude(JsonInclude.Include.NON_ABSENT)
    record Sparse(String a, Optional<String> b, OptionalInt c, String d) {}

    /** A record read through a factory that gives defaults, as the API's request bodies are. */
    record Defaults(String name, boolean start, List<String> extra) {
        Defaults {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("field 'name' is required");
            extra = extra == null ? List.of() : List.copyOf(extra);
        }

        @JsonCreator
        static Defaults fromJson(@JsonProperty("name") String name, @JsonProperty("start") Boolean start,
                                 @JsonProperty("extra") List<String> extra) {
            return new Defaults(name, start == null || start, extra);
        }
    }

    private static final ObjectMapper JACKSON = new ObjectMapper().registerModule(new Jdk8Module())
            .registerModule(new SimpleModule().addSerializer(Instant.class, ToStringSerializer.instance))
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private static Outer sample() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("z", 1);
        counts.put("a", 2);
        return new Outer("web,1", 3, 1L << 40, true, null, 0.5, Colour.GREEN, Optional.of("n\"q"), OptionalInt.empty(),
                Instant.parse("2026-12-06T08:00:00Z"), List.of(new Inner("d0", OptionalInt.of(4)), new Inner("d1",
                OptionalInt.empty())), counts, Set.of("t"), new Inner("s", OptionalInt.of(0)));
    }

    @Test
    void aRecordIsWrittenAsJacksonWroteItInItsDeclaredOrder() throws Exception {
        Outer o = sample();
        String ours = new String(JsonBinding.write(o), StandardCharsets.UTF_8);
        assertThat(ours).isEqualTo(JACKSON.writeValueAsString(o));
        assertThat(ours).startsWith("{\"id\":\"web,1\",\"count\":3,\"bytes\":1099511627776,\"on\":true,\"maybe\":null,");
        assertThat(new String(JsonBinding.writePretty(List.of(o)), StandardCharsets.UTF_8))
                .isEqualTo(JACKSON.writerWithDefaultPrettyPrinter().writeValueAsString(List.of(o)));
        Letter l = new Letter('r', null);
        assertThat(new String(JsonBinding.write(l), StandardCharsets.UTF_8)).isEqualTo(JACKSON.writeValueAsString(l));
        Sparse s = new Sparse("x", Optional.empty(), OptionalInt.empty(), null);
        assertThat(new String(JsonBinding.write(s), StandardCharsets.UTF_8)).isEqualTo("{\"a\":\"x\"}")
                .isEqualTo(JACKSON.writeValueAsString(s));
    }

    @Test
    void whatIsWrittenReadsBackTheSameBothWays() throws Exception {
        Outer o = sample();
        JsonValue tree = JsonCodec.parse(JsonBinding.write(o));
        assertThat(JsonBinding.read(tree, Outer.class, Strictness.STRICT)).isEqualTo(o);
        assertThat(JsonBinding.read(tree, Outer.class, Strictness.LENIENT)).isEqualTo(o);
    }

    @Test
    void absentFieldsAndNullsAreNullEmptyOrZero() throws Exception {
        Outer o = JsonBinding.read(JsonCodec.parse("{\"id\": \"a\", \"note\": null, \"maybe\": null}"), Outer.class,
                Strictness.STRICT);
        assertThat(o.id()).isEqualTo("a");
        assertThat(o.count()).isZero();
        assertThat(o.on()).isFalse();
        assertThat(o.maybe()).isNull();
        assertThat(o.note()).isEmpty();
        assertThat(o.limit()).isEmpty();
        assertThat(o.inners()).isNull();
        Defaults d = JsonBinding.read(JsonCodec.parse("{\"name\": \"n\"}"), Defaults.class, Strictness.STRICT);
        assertThat(d).isEqualTo(new Defaults("n", true, List.of()));
    }

    @Test
    void noValueAtAllIsAnErrorAndNullIsNull() throws Exception {
        for (Strictness s : Strictness.values()) {
            assertThatThrownBy(() -> JsonBinding.read(JsonCodec.parse(""), Inner.class, s))
                    .isInstanceOf(JsonBindingException.class).hasMessage("no JSON value");
            assertThatThrownBy(() -> JsonBinding.read(JsonCodec.parse("{}").path("offer"), Inner.class, s))
                    .isInstanceOf(JsonBindingException.class).hasMessage("no JSON value");
            assertThat(JsonBinding.read(JsonCodec.parse("null"), Inner.class, s)).isNull();
        }
    }

    @Test
    void strictlyAnUnknownFieldIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> JsonBinding.read(JsonCodec.parse("{\"name\": \"n\", \"stat\": true}"), Defaults.class,
                Strictness.STRICT)).isInstanceOf(JsonBindingException.class)
                .hasMessage("unknown field 'stat'; known fields: extra, name, start");
        assertThatThrownBy(() -> JsonBinding.read(JsonCodec.parse("{\"inners\": [{\"name\": \"a\"}, {\"nme\": \"b\"}]}"),
                Outer.class, Strictness.STRICT)).hasMessage("unknown field 'inners[1].nme'; known fields: name, size");
    }

    @Test
    void strictlyAValueOfAnotherKindIsRefusedNamingTheFieldAndWhatItMustBe() throws Exception {
        String[][] cases = {
                {"{\"on\": \"yes\"}", "field 'on' must be a boolean"},
                {"{\"on\": 1}", "field 'on' must be a boolean, not 1"},
                {"{\"on\": null}", "field 'on' must be a boolean"},
                {"{\"count\": \"10\"}", "field 'count' must be a whole number"},
                {"{\"count\": 1.5}", "field 'count' must be a whole number, not 1.5"},
                {"{\"count\": 4294967296}", "field 'count' must be a whole number, not 4294967296"},
                {"{\"id\": 7}", "field 'id' must be a string, not 7"},
                {"{\"id\": {}}", "field 'id' must be a string"},
                {"{\"colour\": \"BLUE\"}", "field 'colour' must be one of [RED, GREEN], not BLUE"},
                {"{\"inners\": {}}", "field 'inners' must be an array"},
                {"{\"inners\": [{\"size\": \"big\"}]}", "field 'inners[0].size' must be a whole number"},
                {"{\"single\": [1]}", "field 'single' must be an object"},
                {"{\"counts\": {\"a\": true}}", "field 'counts.a' must be a whole number"},
                {"{\"at\": \"yesterday\"}", "field 'at' must be an ISO-8601 instant, not yesterday"},
        };
        for (String[] c : cases)
            assertThatThrownBy(() -> JsonBinding.read(JsonCodec.parse(c[0]), Outer.class, Strictness.STRICT))
                    .as(c[0]).isInstanceOf(JsonBindingException.class).hasMessage(c[1]);
        assertThatThrownBy(() -> JsonBinding.read(JsonCodec.parse("{\"name\": \" \"}"), Defaults.class, Strictness.STRICT))
                .hasMessage("field 'name' is required");
    }

    @Test
    void lenientlyUnknownFieldsAreSkippedAndScalarsConverted() throws Exception {
        Outer o = JsonBinding.read(JsonCodec.parse("{\"id\": 7, \"count\": \"10\", \"bytes\": 2.9, \"on\": \"true\", "
                + "\"maybe\": 0, \"newer\": {\"x\": [1]}, \"limit\": \"5\"}"), Outer.class, Strictness.LENIENT);
        assertThat(o.id()).isEqualTo("7");
        assertThat(o.count()).isEqualTo(10);
        assertThat(o.bytes()).isEqualTo(2);
        assertThat(o.on()).isTrue();
        assertThat(o.maybe()).isFalse();
        assertThat(o.limit()).hasValue(5);
        assertThatThrownBy(() -> JsonBinding.read(JsonCodec.parse("{\"colour\": \"BLUE\"}"), Outer.class, Strictness.LENIENT))
                .isInstanceOf(JsonBindingException.class);
    }

    @Test
    void listsAndMapsOfRecordsAreReadWithTheirPlaces() throws Exception {
        List<Inner> list = JsonBinding.readList(JsonCodec.parse("[{\"name\": \"a\"}, {\"name\": \"b\", \"size\": 2}]"),
                Inner.class, Strictness.LENIENT);
        assertThat(list).containsExactly(new Inner("a", OptionalInt.empty()), new Inner("b", OptionalInt.of(2)));
        Map<String, Inner> map = JsonBinding.readMap(JsonCodec.parse("{\"k2\": {\"name\": \"a\"}, \"k1\": {}}"), Inner.class,
                Strictness.LENIENT);
        assertThat(map.keySet()).containsExactly("k2", "k1");
        assertThatThrownBy(() -> JsonBinding.readList(JsonCodec.parse("[{}, {\"size\": []}]"), Inner.class, Strictness.LENIENT))
                .hasMessage("field '[1].size' must be a whole number");
        assertThatThrownBy(() -> JsonBinding.readList(JsonCodec.parse("{}"), Inner.class, Strictness.LENIENT))
                .hasMessage("the value must be an array");
        assertThatThrownBy(() -> JsonBinding.readMap(JsonCodec.parse("[]"), Inner.class, Strictness.LENIENT))
                .hasMessage("the value must be an object");
        assertThatThrownBy(() -> JsonBinding.readMap(JsonCodec.parse(""), Inner.class, Strictness.LENIENT))
                .hasMessage("no JSON value");
    }
}
