package org.vmhost.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/** JSON text to a {@link JsonValue} and back, with jackson-core's parser and generator. */
public final class JsonCodec {
    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonCodec() {
    }

    /** The first value in {@code json}; {@link JsonValue#missing()} if there is none. Text after it is ignored. */
    public static JsonValue parse(String json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            return first(p, false);
        }
    }

    public static JsonValue parse(byte[] json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            return first(p, false);
        }
    }

    /** A second value after the one {@link #parseOnly} expects. */
    public static final class TrailingValueException extends JsonParseException {
        TrailingValueException(JsonParser p) {
            super(p, "Trailing token (of type " + p.currentToken() + ") found after value");
        }
    }

    /** The one value in {@code json}: a second value after it is a {@link TrailingValueException}. */
    public static JsonValue parseOnly(byte[] json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            return first(p, true);
        }
    }

    private static JsonValue first(JsonParser p, boolean only) throws IOException {
        if (p.nextToken() == null) return JsonValue.missing();
        JsonValue v = value(p);
        if (only && p.nextToken() != null)
            throw new TrailingValueException(p);
        return v;
    }

    private static JsonValue value(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case START_OBJECT -> {
                JsonObject o = new JsonObject();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    o.set(name, value(p));
                }
                yield o;
            }
            case START_ARRAY -> {
                JsonArray a = new JsonArray();
                while (p.nextToken() != JsonToken.END_ARRAY) a.add(value(p));
                yield a;
            }
            case VALUE_STRING -> JsonValue.of(p.getText());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case BIG_INTEGER -> JsonValue.of(p.getBigIntegerValue());
                default -> JsonValue.of(p.getLongValue());
            };
            case VALUE_NUMBER_FLOAT -> JsonValue.of(p.getDoubleValue());
            case VALUE_TRUE -> JsonValue.of(true);
            case VALUE_FALSE -> JsonValue.of(false);
            case VALUE_NULL -> JsonValue.nullValue();
            default -> throw new JsonParseException(p, "Unexpected token " + p.currentToken());
        };
    }

    /** {@code value} as compact JSON, in UTF-8. */
    public static byte[] bytes(JsonValue value) {
        return write(value, false);
    }

    /** {@code value} as JSON indented as Jackson's default pretty printer indents it, for files people read. */
    public static byte[] prettyBytes(JsonValue value) {
        return write(value, true);
    }

    /** As text, characters beyond the BMP unescaped (as Jackson's {@code JsonNode.toString()}; its bytes escape them). */
    static String text(JsonValue value) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // into memory: cannot fail
        }
        return out.toString();
    }

    private static byte[] write(JsonValue value, boolean pretty) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            if (pretty) g.useDefaultPrettyPrinter();
            write(g, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // into memory: cannot fail
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator g, JsonValue value) throws IOException {
        if (value instanceof JsonObject o) {
            g.writeStartObject();
            for (var it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonValue> e = it.next();
                g.writeFieldName(e.getKey());
                write(g, e.getValue());
            }
            g.writeEndObject();
        } else if (value instanceof JsonArray a) {
            g.writeStartArray();
            for (JsonValue v : a) write(g, v);
            g.writeEndArray();
        } else if (value instanceof JsonValue.Text t) {
            g.writeString(t.value);
        } else if (value instanceof JsonValue.Number n) {
            if (n.value instanceof Long l) g.writeNumber(l);
            else if (n.value instanceof Double d) g.writeNumber(d);
            else if (n.value instanceof java.math.BigInteger b) g.writeNumber(b);
            else if (n.value instanceof java.math.BigDecimal b) g.writeNumber(b);
            else g.writeNumber(n.value.toString());
        } else if (value instanceof JsonValue.Bool b) {
            g.writeBoolean(b.value);
        } else {
            g.writeNull(); // null, and what is not there
        }
    }
}
