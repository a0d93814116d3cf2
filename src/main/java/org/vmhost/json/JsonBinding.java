package org.vmhost.json;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * vmhost's records to JSON and back, as Jackson's data binding with its jdk8 module wrote and read them, so that the
 * API's bodies and xend's files keep their form:
 * <ul>
 *   <li>a record is an object of its components, in their declared order; a class marked
 *       {@code @JsonInclude(NON_NULL)} or {@code NON_ABSENT} leaves out null (and empty optional) ones;</li>
 *   <li>an empty {@code Optional} or {@code OptionalInt} is {@code null}; an {@code Instant} is ISO-8601 text; an
 *       enum is its name; a map is an object; a collection is an array;</li>
 *   <li>a record is read through its static {@code @JsonCreator} factory, whose parameters name their fields with
 *       {@code @JsonProperty}, or else its canonical constructor. An absent field or {@code null} is {@code null},
 *       an empty optional or a primitive's zero.</li>
 * </ul>
 * {@link Strictness#STRICT} refuses an unknown field and a value of another kind (a string for a boolean or a
 * number, a fraction for a whole number, a number for a string); {@link Strictness#LENIENT} skips the first and
 * converts the second where it can, so that an older reader understands a newer writer.
 */
public final class JsonBinding {

    /** How a value of another shape than the type's is taken. */
    public enum Strictness { STRICT, LENIENT }

    private JsonBinding() {
    }

    /** {@code value}'s JSON form: a record, an optional, a collection, a map, a string, a number, a boolean... */
    public static JsonValue toTree(Object value) {
        if (value == null) return JsonValue.nullValue();
        if (value instanceof JsonValue v) return v;
        if (value instanceof String || value instanceof Character) return JsonValue.of(value.toString());
        if (value instanceof Boolean b) return JsonValue.of(b.booleanValue());
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte)
            return JsonValue.of(((Number) value).longValue());
        if (value instanceof Double || value instanceof Float) return JsonValue.of(((Number) value).doubleValue());
        if (value instanceof BigInteger b) return JsonValue.of(b);
        if (value instanceof BigDecimal b) return JsonValue.of(b);
        if (value instanceof Enum<?> e) return JsonValue.of(e.name());
        if (value instanceof Optional<?> o) return o.isPresent() ? toTree(o.get()) : JsonValue.nullValue();
        if (value instanceof OptionalInt o) return o.isPresent() ? JsonValue.of(o.getAsInt()) : JsonValue.nullValue();
        if (value instanceof OptionalLong o) return o.isPresent() ? JsonValue.of(o.getAsLong()) : JsonValue.nullValue();
        if (value instanceof Instant i) return JsonValue.of(i.toString());
        if (value instanceof Collection<?> c) {
            JsonArray a = new JsonArray();
            for (Object e : c) a.add(toTree(e));
            return a;
        }
        if (value instanceof Map<?, ?> m) {
            JsonObject o = new JsonObject();
            m.forEach((k, v) -> o.set(String.valueOf(k), toTree(v)));
            return o;
        }
        if (value instanceof Record r) return record(r);
        throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
    }

    /** {@code value} as compact JSON in UTF-8. */
    public static byte[] write(Object value) {
        return JsonCodec.bytes(toTree(value));
    }

    /** {@code value} as indented JSON in UTF-8, for files people read. */
    public static byte[] writePretty(Object value) {
        return JsonCodec.prettyBytes(toTree(value));
    }

    private static JsonObject record(Record r) {
        RecordShape shape = SHAPES.get(r.getClass());
        JsonObject o = new JsonObject();
        for (int i = 0; i < shape.accessors.length; i++) {
            Object v;
            try {
                v = shape.accessors[i].invoke(r);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            }
            if (shape.leaveOutAbsent && (v == null || v instanceof Optional<?> op && op.isEmpty()
                    || v instanceof OptionalInt oi && oi.isEmpty() || v instanceof OptionalLong ol && ol.isEmpty()))
                continue;
            o.set(shape.names[i], toTree(v));
        }
        return o;
    }

    /** {@code json} read as {@code type}; JSON's {@code null} reads as {@code null}, and no value at all is an error. */
    public static <T> T read(JsonValue json, Class<T> type, Strictness strictness) throws JsonBindingException {
        @SuppressWarnings("unchecked")
        T t = (T) new Reader(strictness).read(present(json), type, new StringBuilder());
        return t;
    }

    /** {@code json} read as a list of {@code element}. */
    public static <T> List<T> readList(JsonValue json, Class<T> element, Strictness strictness) throws JsonBindingException {
        @SuppressWarnings("unchecked")
        List<T> list = (List<T>) new Reader(strictness).elements(present(json), element, new StringBuilder(), new ArrayList<>());
        return list;
    }

    /** {@code json} read as a map from its member names to {@code value}s, in the members' order. */
    public static <T> Map<String, T> readMap(JsonValue json, Class<T> value, Strictness strictness) throws JsonBindingException {
        @SuppressWarnings("unchecked")
        Map<String, T> map = (Map<String, T>) new Reader(strictness).members(present(json), value, new StringBuilder());
        return map;
    }

    private static JsonValue present(JsonValue json) throws JsonBindingException {
        if (json.isMissingNode()) throw new JsonBindingException("", "no JSON value", null); // an empty file, say
        return json;
    }

    /** What reading or writing a record needs, found once per class. */
    private static final class RecordShape {
        final String[] names;
        final Method[] accessors;
        final boolean leaveOutAbsent;
        /** The fields read: the creator's parameters, by name, with their types. */
        final String[] creatorNames;
        final Type[] creatorTypes;
        final Constructor<?> constructor;
        final Method factory;

        RecordShape(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            names = new String[components.length];
            accessors = new Method[components.length];
            for (int i = 0; i < components.length; i++) {
                names[i] = components[i].getName();
                accessors[i] = components[i].getAccessor();
                accessors[i].setAccessible(true);
            }
            JsonInclude include = type.getAnnotation(JsonInclude.class);
            leaveOutAbsent = include != null && (include.value() == JsonInclude.Include.NON_NULL
                    || include.value() == JsonInclude.Include.NON_ABSENT);
            Method creator = null;
            for (Method m : type.getDeclaredMethods())
                if (Modifier.isStatic(m.getModifiers()) && m.isAnnotationPresent(JsonCreator.class)) creator = m;
            if (creator != null) {
                creator.setAccessible(true);
                factory = creator;
                constructor = null;
                Parameter[] params = creator.getParameters();
                creatorNames = new String[params.length];
                for (int i = 0; i < params.length; i++) {
                    JsonProperty p = params[i].getAnnotation(JsonProperty.class);
                    if (p == null) throw new IllegalStateException(creator + ": parameter " + i + " has no @JsonProperty");
                    creatorNames[i] = p.value();
                }
                creatorTypes = creator.getGenericParameterTypes();
            } else {
                factory = null;
                Class<?>[] classes = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
                try {
                    constructor = type.getDeclaredConstructor(classes);
                } catch (NoSuchMethodException e) {
                    throw new IllegalStateException(e); // every record has its canonical constructor
                }
                constructor.setAccessible(true);
                creatorNames = names;
                creatorTypes = Arrays.stream(components).map(RecordComponent::getGenericType).toArray(Type[]::new);
            }
        }

        int indexOf(String name) {
            for (int i = 0; i < creatorNames.length; i++) if (creatorNames[i].equals(name)) return i;
            return -1;
        }
    }

    private static final ClassValue<RecordShape> SHAPES = new ClassValue<>() {
        @Override
        protected RecordShape computeValue(Class<?> type) {
            return new RecordShape(type);
        }
    };

    private record Reader(Strictness strictness) {

        boolean strict() {
            return strictness == Strictness.STRICT;
        }

        Object read(JsonValue v, Type type, StringBuilder path) throws JsonBindingException {
            Class<?> raw = raw(type);
            if (raw == JsonValue.class) return v;
            if (v.isNull() || v.isMissingNode()) return absent(raw, type, path, v.isNull());
            if (raw == String.class) {
                if (v.isTextual() || !strict() && (v.isNumber() || v.isBoolean())) return v.asText();
                throw wrong(path, "a string", v.isNumber() || v.isBoolean() ? v.asText() : null);
            }
            if (raw == boolean.class || raw == Boolean.class) {
                if (v.isBoolean()) return v.asBoolean();
                if (!strict() && v.isTextual() && (v.asText().equals("true") || v.asText().equals("false")))
                    return v.asText().equals("true");
                if (!strict() && v.isIntegralNumber()) return v.asLong() != 0;
                throw wrong(path, "a boolean", v.isNumber() ? v.asText() : null);
            }
            if (raw == int.class || raw == Integer.class || raw == OptionalInt.class) {
                long l = whole(v, path);
                if (l != (int) l) throw wrong(path, "a whole number", v.asText());
                return raw == OptionalInt.class ? OptionalInt.of((int) l) : (Object) (int) l;
            }
            if (raw == long.class || raw == Long.class || raw == OptionalLong.class) {
                long l = whole(v, path);
                return raw == OptionalLong.class ? OptionalLong.of(l) : (Object) l;
            }
            if (raw == double.class || raw == Double.class) {
                if (v.isNumber()) return v.asDouble();
                if (!strict() && v.isTextual()) {
                    try {
                        return Double.parseDouble(v.asText().trim());
                    } catch (NumberFormatException e) {
                        // falls through to the error
                    }
                }
                throw wrong(path, "a number", null);
            }
            if (raw.isEnum()) {
                if (!v.isTextual()) throw wrong(path, oneOf(raw), null);
                for (Object c : raw.getEnumConstants()) if (((Enum<?>) c).name().equals(v.asText())) return c;
                throw wrong(path, oneOf(raw), v.asText());
            }
            if (raw == Instant.class) {
                if (!v.isTextual()) throw wrong(path, "an ISO-8601 instant", null);
                try {
                    return Instant.parse(v.asText());
                } catch (DateTimeParseException e) {
                    throw wrong(path, "an ISO-8601 instant", v.asText());
                }
            }
            if (raw == Optional.class) return Optional.ofNullable(read(v, argument(type, 0), path));
            if (raw == List.class || raw == Collection.class || raw == Set.class)
                return elements(v, argument(type, 0), path, raw == Set.class ? new LinkedHashSet<>() : new ArrayList<>());
            if (raw == Map.class) return members(v, argument(type, 1), path);
            if (raw.isRecord()) return record(v, raw, path);
            throw new IllegalArgumentException("no way to read JSON as " + type.getTypeName());
        }

        Collection<Object> elements(JsonValue v, Type element, StringBuilder path, Collection<Object> out)
                throws JsonBindingException {
            if (!v.isArray()) throw wrong(path, "an array", null);
            int i = 0;
            for (JsonValue e : v) {
                int mark = path.length();
                out.add(read(e, element, path.append('[').append(i++).append(']')));
                path.setLength(mark);
            }
            return out;
        }

        Map<String, Object> members(JsonValue v, Type value, StringBuilder path) throws JsonBindingException {
            if (!v.isObject()) throw wrong(path, "an object", null);
            Map<String, Object> out = new LinkedHashMap<>();
            for (var it = v.fields(); it.hasNext(); ) {
                var e = it.next();
                int mark = path.length();
                out.put(e.getKey(), read(e.getValue(), value, child(path, e.getKey())));
                path.setLength(mark);
            }
            return out;
        }

        private Object record(JsonValue v, Class<?> raw, StringBuilder path) throws JsonBindingException {
            if (!v.isObject()) throw wrong(path, "an object", null);
            RecordShape shape = SHAPES.get(raw);
            Object[] args = new Object[shape.creatorNames.length];
            boolean[] given = new boolean[args.length];
            for (var it = v.fields(); it.hasNext(); ) {
                var e = it.next();
                int i = shape.indexOf(e.getKey());
                int mark = path.length();
                if (i < 0) {
                    if (!strict()) continue;
                    child(path, e.getKey());
                    throw new JsonBindingException(path.toString(), "unknown field '" + path + "'; known fields: "
                            + new TreeSet<>(Arrays.asList(shape.creatorNames)).stream().collect(Collectors.joining(", ")), null);
                }
                args[i] = read(e.getValue(), shape.creatorTypes[i], child(path, e.getKey()));
                given[i] = true;
                path.setLength(mark);
            }
            for (int i = 0; i < args.length; i++)
                if (!given[i]) args[i] = absent(raw(shape.creatorTypes[i]), shape.creatorTypes[i], path, false);
            try {
                return shape.factory != null ? shape.factory.invoke(null, args) : shape.constructor.newInstance(args);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                throw new JsonBindingException(path.toString(), cause.getMessage() != null ? cause.getMessage()
                        : "invalid " + raw.getSimpleName(), cause);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }

        /** What an absent field or a {@code null} is: an empty optional, a primitive's zero, else {@code null}. */
        private Object absent(Class<?> raw, Type type, StringBuilder path, boolean wasNull) throws JsonBindingException {
            if (raw == Optional.class) return Optional.empty();
            if (raw == OptionalInt.class) return OptionalInt.empty();
            if (raw == OptionalLong.class) return OptionalLong.empty();
            if (!raw.isPrimitive()) return null;
            if (wasNull && strict()) throw wrong(path, describe(raw), null);
            if (raw == boolean.class) return false;
            if (raw == int.class) return 0;
            if (raw == long.class) return 0L;
            if (raw == double.class) return 0.0;
            throw new IllegalArgumentException("no way to read JSON as " + type.getTypeName());
        }

        private long whole(JsonValue v, StringBuilder path) throws JsonBindingException {
            if (v.isIntegralNumber()) {
                if (!v.canConvertToLong()) throw wrong(path, "a whole number", v.asText());
                return v.asLong();
            }
            if (v.isNumber()) { // a fraction: Jackson's lenient reading drops what follows the point
                if (strict() || !v.canConvertToLong()) throw wrong(path, "a whole number", v.asText());
                return v.asLong();
            }
            if (!strict() && v.isTextual()) {
                try {
                    return Long.parseLong(v.asText().trim());
                } catch (NumberFormatException e) {
                    throw wrong(path, "a whole number", v.asText());
                }
            }
            throw wrong(path, "a whole number", null);
        }

        private static String describe(Class<?> primitive) {
            return primitive == boolean.class ? "a boolean" : primitive == double.class ? "a number" : "a whole number";
        }

        private static String oneOf(Class<?> enumType) {
            return "one of " + Arrays.toString(enumType.getEnumConstants());
        }

        private static StringBuilder child(StringBuilder path, String name) {
            if (!path.isEmpty()) path.append('.');
            return path.append(name);
        }

        private static JsonBindingException wrong(StringBuilder path, String what, String value) {
            String where = path.isEmpty() ? "the value" : "field '" + path + "'";
            return new JsonBindingException(path.toString(), where + " must be " + what + (value == null ? "" : ", not " + value), null);
        }

        private static Class<?> raw(Type type) {
            if (type instanceof Class<?> c) return c;
            if (type instanceof ParameterizedType p) return (Class<?>) p.getRawType();
            if (type instanceof WildcardType w) return raw(w.getUpperBounds()[0]);
            return Object.class;
        }

        private static Type argument(Type type, int index) {
            return type instanceof ParameterizedType p ? p.getActualTypeArguments()[index] : Object.class;
        }
    }
}
