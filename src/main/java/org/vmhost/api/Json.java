package org.vmhost.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.stream.Collectors;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * JSON as both ends of the API write and read it: Jackson, with its jdk8 module for {@code Optional} and
 * {@code OptionalInt} ({@code null} when empty) and instants as ISO-8601 text.
 *
 * <p>Requests are read strictly: an unknown field, a value of the wrong type (a string for a boolean, a
 * fraction for a whole number, a number for a string) or a second value after the object is a
 * {@code BAD_REQUEST} that names the field; {@code null} reads as an absent field. Answers are read
 * leniently, so that an older xm still understands a newer xend that added a field.
 */
final class Json {
    private Json() {
    }

    /** Built on first use: xm reads answers and never needs the strict mapper, and each costs start-up time. */
    private static final class Strict {
        static final ObjectMapper MAPPER = mapper(true);
    }

    private static final class Lenient {
        static final ObjectMapper MAPPER = mapper(false);
    }

    /**
     * Instants as ISO-8601 text ({@code 2024-01-01T00:00:00Z}), as jackson-datatype-jsr310 writes them, without
     * its start-up cost.
     */
    private static final SimpleModule INSTANTS = new SimpleModule("instants")
            .addSerializer(Instant.class, ToStringSerializer.instance)
            .addDeserializer(Instant.class, new StdScalarDeserializer<>(Instant.class) {
                @Override
                public Instant deserialize(JsonParser parser, DeserializationContext context) throws IOException {
                    if (!parser.hasToken(JsonToken.VALUE_STRING))
                        return (Instant) context.handleUnexpectedToken(Instant.class, parser);
                    try {
                        return Instant.parse(parser.getText());
                    } catch (DateTimeParseException e) {
                        return (Instant) context.handleWeirdStringValue(Instant.class, parser.getText(), "not an ISO-8601 instant");
                    }
                }
            });

    private static ObjectMapper mapper(boolean strict) {
        return JsonMapper.builder()
                .addModule(new Jdk8Module())
                .addModule(INSTANTS)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, strict)
                .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, strict)
                .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, strict)
                .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, !strict)
                .configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, !strict)
                .withCoercionConfig(LogicalType.Textual, text -> {
                    if (strict) {
                        for (CoercionInputShape shape : new CoercionInputShape[] {CoercionInputShape.Integer,
                                CoercionInputShape.Float, CoercionInputShape.Boolean})
                            text.setCoercion(shape, CoercionAction.Fail);
                    }
                })
                .build();
    }

    static byte[] write(Object value) {
        try {
            return Lenient.MAPPER.writeValueAsBytes(value); // both write alike; this one xm has built already
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // our own records always serialize
        }
    }

    /** A request body; an empty body reads as {@code {}}, so bodies whose fields are all optional may be left out. */
    static <T> T readRequest(byte[] body, Class<T> type) {
        try {
            return Strict.MAPPER.readValue(body.length == 0 ? new byte[] {'{', '}'} : body, type);
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, describe(e));
        }
    }

    /** A response body from xend. */
    static <T> T readResponse(byte[] body, Class<T> type) throws IOException {
        return Lenient.MAPPER.readValue(body, type);
    }

    /** What was wrong with a request body, for the person who sent it. */
    private static String describe(IOException e) {
        return switch (e) {
            case UnrecognizedPropertyException u -> "unknown field '" + path(u) + "'; known fields: "
                    + u.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
            case ValueInstantiationException v -> v.getCause() != null && v.getCause().getMessage() != null
                    ? v.getCause().getMessage() : "invalid request body";
            case InvalidFormatException f -> "field '" + path(f) + "' must be " + typeName(f.getTargetType())
                    + ", not " + f.getValue();
            case MismatchedInputException m when !path(m).isEmpty() -> "field '" + path(m) + "' must be "
                    + typeName(m.getTargetType());
            case MismatchedInputException m when m.getOriginalMessage().startsWith("Trailing token") ->
                    "malformed JSON: more than one value in the body";
            case MismatchedInputException m -> "request body must be a JSON object";
            case JsonParseException p -> "malformed JSON: " + p.getOriginalMessage() + location(p);
            case JacksonException j -> "malformed JSON: " + j.getOriginalMessage();
            default -> "unreadable request body";
        };
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) sb.append('.');
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String typeName(Class<?> type) {
        if (type == null) return "of another type";
        if (type == boolean.class || type == Boolean.class) return "a boolean";
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class
                || type.getName().equals("java.util.OptionalInt")) return "a whole number";
        if (type == String.class) return "a string";
        if (java.util.List.class.isAssignableFrom(type)) return "an array";
        if (type.isEnum()) return "one of " + java.util.Arrays.toString(type.getEnumConstants());
        return "an object";
    }

    private static String location(JsonParseException e) {
        return e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }
}
