package org.vmhost.json;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * One JSON value, read or about to be written. The accessors are lenient, as Jackson's {@code JsonNode}'s are:
 * {@link #path} on what is not there gives {@link #missing()} rather than {@code null}, and {@link #asText()},
 * {@link #asLong()} or {@link #asBoolean()} give a default for a value of another kind.
 */
public abstract sealed class JsonValue implements Iterable<JsonValue>
        permits JsonValue.Missing, JsonValue.Null, JsonValue.Text, JsonValue.Number, JsonValue.Bool, JsonObject, JsonArray {

    JsonValue() {
    }

    /** What {@link #path} gives for a name or index that is not there. */
    public static JsonValue missing() {
        return Missing.INSTANCE;
    }

    public static JsonValue nullValue() {
        return Null.INSTANCE;
    }

    public static JsonValue of(String text) {
        return text == null ? Null.INSTANCE : new Text(text);
    }

    public static JsonValue of(long number) {
        return new Number(number);
    }

    public static JsonValue of(double number) {
        return new Number(number);
    }

    public static JsonValue of(BigInteger number) {
        return number == null ? Null.INSTANCE : new Number(number);
    }

    public static JsonValue of(BigDecimal number) {
        return number == null ? Null.INSTANCE : new Number(number);
    }

    public static JsonValue of(boolean value) {
        return value ? Bool.TRUE : Bool.FALSE;
    }

    /** The member {@code name} of an object, or {@code null}. */
    public JsonValue get(String name) {
        return null;
    }

    /** The element {@code index} of an array, or {@code null}. */
    public JsonValue get(int index) {
        return null;
    }

    /** The member {@code name} of an object; {@link #missing()} if there is none. */
    public JsonValue path(String name) {
        JsonValue v = get(name);
        return v == null ? Missing.INSTANCE : v;
    }

    /** The element {@code index} of an array; {@link #missing()} if there is none. */
    public JsonValue path(int index) {
        JsonValue v = get(index);
        return v == null ? Missing.INSTANCE : v;
    }

    /** Whether an object has the member, even as {@code null}. */
    public boolean has(String name) {
        return get(name) != null;
    }

    public boolean hasNonNull(String name) {
        JsonValue v = get(name);
        return v != null && !v.isNull();
    }

    /** The text of a string, number or boolean; {@code "null"} for null; {@code ""} for the rest. */
    public String asText() {
        return "";
    }

    /** As {@link #asText()}, but {@code otherwise} for null and for what is not there. */
    public String asText(String otherwise) {
        return asText();
    }

    public int asInt() {
        return asInt(0);
    }

    /** A number's whole part, a string read as a number, a boolean as 1 or 0; {@code otherwise} else. */
    public int asInt(int otherwise) {
        return otherwise;
    }

    public long asLong() {
        return asLong(0);
    }

    public long asLong(long otherwise) {
        return otherwise;
    }

    public double asDouble() {
        return 0;
    }

    /** A boolean; a whole number other than 0; the string {@code "true"}. */
    public boolean asBoolean() {
        return asBoolean(false);
    }

    /** A boolean; a whole number (not 0: true); the string {@code "true"} or {@code "false"}; {@code otherwise} else. */
    public boolean asBoolean(boolean otherwise) {
        return otherwise;
    }

    public boolean isMissingNode() {
        return false;
    }

    public boolean isNull() {
        return false;
    }

    public boolean isTextual() {
        return false;
    }

    public boolean isNumber() {
        return false;
    }

    public boolean isIntegralNumber() {
        return false;
    }

    public boolean isBoolean() {
        return false;
    }

    public boolean isObject() {
        return false;
    }

    public boolean isArray() {
        return false;
    }

    public boolean canConvertToInt() {
        return false;
    }

    public boolean canConvertToLong() {
        return false;
    }

    /** Members of an object or elements of an array; 0 for the rest. */
    public int size() {
        return 0;
    }

    public boolean isEmpty() {
        return size() == 0;
    }

    /** An array's elements, an object's member values; nothing for the rest. */
    @Override
    public Iterator<JsonValue> iterator() {
        return Collections.emptyIterator();
    }

    /** An object's members in their order; nothing for the rest. */
    public Iterator<Map.Entry<String, JsonValue>> fields() {
        return Collections.emptyIterator();
    }

    /** A copy that shares nothing mutable with this one. */
    public JsonValue deepCopy() {
        return this;
    }

    /** This value as compact JSON text. */
    @Override
    public String toString() {
        return JsonCodec.text(this);
    }

    /** What is not there. */
    static final class Missing extends JsonValue {
        static final Missing INSTANCE = new Missing();

        @Override
        public boolean isMissingNode() {
            return true;
        }

        @Override
        public String asText(String otherwise) {
            return otherwise;
        }

        @Override
        public String toString() {
            return "";
        }
    }

    static final class Null extends JsonValue {
        static final Null INSTANCE = new Null();

        @Override
        public boolean isNull() {
            return true;
        }

        @Override
        public String asText() {
            return "null";
        }

        @Override
        public String asText(String otherwise) {
            return otherwise;
        }
    }

    static final class Text extends JsonValue {
        final String value;

        Text(String value) {
            this.value = Objects.requireNonNull(value);
        }

        @Override
        public boolean isTextual() {
            return true;
        }

        @Override
        public String asText() {
            return value;
        }

        @Override
        public int asInt(int otherwise) {
            long v = asLong(otherwise);
            return v == (int) v ? (int) v : otherwise;
        }

        @Override
        public long asLong(long otherwise) {
            String s = value.trim();
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                try {
                    return (long) Double.parseDouble(s);
                } catch (NumberFormatException e2) {
                    return otherwise;
                }
            }
        }

        @Override
        public double asDouble() {
            try {
                return Double.parseDouble(value.trim());
            } catch (NumberFormatException e) {
                return 0;
            }
        }

        @Override
        public boolean asBoolean(boolean otherwise) {
            String t = value.trim();
            return t.equals("true") || !t.equals("false") && otherwise;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Text t && t.value.equals(value);
        }

        @Override
        public int hashCode() {
            return value.hashCode();
        }
    }

    /** A number: a {@code Long}, a {@code BigInteger} beyond a long, a {@code Double} or a {@code BigDecimal}. */
    static final class Number extends JsonValue {
        final java.lang.Number value;

        Number(java.lang.Number value) {
            this.value = value;
        }

        boolean integral() {
            return value instanceof Long || value instanceof BigInteger;
        }

        @Override
        public boolean isNumber() {
            return true;
        }

        @Override
        public boolean isIntegralNumber() {
            return integral();
        }

        @Override
        public boolean canConvertToInt() {
            return canConvertToLong() && value.longValue() == value.intValue();
        }

        @Override
        public boolean canConvertToLong() {
            if (value instanceof Long) return true;
            if (value instanceof BigInteger b) return b.bitLength() < 64;
            if (value instanceof Double d) return d >= Long.MIN_VALUE && d <= Long.MAX_VALUE;
            BigDecimal d = new BigDecimal(value.toString());
            return d.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0 && d.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) >= 0;
        }

        @Override
        public String asText() {
            return value.toString();
        }

        @Override
        public int asInt(int otherwise) {
            return value.intValue();
        }

        @Override
        public long asLong(long otherwise) {
            return value.longValue();
        }

        @Override
        public double asDouble() {
            return value.doubleValue();
        }

        /** A whole number other than 0; a fraction is neither true nor false, as with Jackson. */
        @Override
        public boolean asBoolean(boolean otherwise) {
            return integral() ? value.longValue() != 0 : otherwise;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Number n && n.value.equals(value);
        }

        @Override
        public int hashCode() {
            return value.hashCode();
        }
    }

    static final class Bool extends JsonValue {
        static final Bool TRUE = new Bool(true);
        static final Bool FALSE = new Bool(false);
        final boolean value;

        private Bool(boolean value) {
            this.value = value;
        }

        @Override
        public boolean isBoolean() {
            return true;
        }

        @Override
        public String asText() {
            return String.valueOf(value);
        }

        @Override
        public int asInt(int otherwise) {
            return value ? 1 : 0;
        }

        @Override
        public long asLong(long otherwise) {
            return value ? 1 : 0;
        }

        @Override
        public double asDouble() {
            return value ? 1 : 0;
        }

        @Override
        public boolean asBoolean(boolean otherwise) {
            return value;
        }
    }
}
