package org.vmhost.json;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** A JSON object: its members in the order they were read or put; putting a name again replaces its value. */
public final class JsonObject extends JsonValue {
    private final LinkedHashMap<String, JsonValue> members = new LinkedHashMap<>();

    public JsonObject() {
    }

    @Override
    public JsonValue get(String name) {
        return members.get(name);
    }

    @Override
    public boolean isObject() {
        return true;
    }

    @Override
    public int size() {
        return members.size();
    }

    @Override
    public Iterator<JsonValue> iterator() {
        return members.values().iterator();
    }

    @Override
    public Iterator<Map.Entry<String, JsonValue>> fields() {
        return members.entrySet().iterator();
    }

    /** Sets the member, {@code null} for JSON's null; returns this object, for chaining. */
    public JsonObject set(String name, JsonValue value) {
        members.put(name, value == null ? nullValue() : value);
        return this;
    }

    public JsonObject put(String name, String value) {
        return set(name, of(value));
    }

    public JsonObject put(String name, int value) {
        return set(name, of(value));
    }

    public JsonObject put(String name, long value) {
        return set(name, of(value));
    }

    public JsonObject put(String name, double value) {
        return set(name, of(value));
    }

    public JsonObject put(String name, boolean value) {
        return set(name, of(value));
    }

    public JsonObject put(String name, Integer value) {
        return set(name, value == null ? nullValue() : of(value.longValue()));
    }

    public JsonObject put(String name, Long value) {
        return set(name, value == null ? nullValue() : of(value.longValue()));
    }

    public JsonObject put(String name, Boolean value) {
        return set(name, value == null ? nullValue() : of(value.booleanValue()));
    }

    /** Sets every member of {@code other} here, replacing those of the same name; returns this object. */
    public JsonObject setAll(JsonObject other) {
        members.putAll(other.members);
        return this;
    }

    /** A new, empty object put as the member {@code name}; returns the new object. */
    public JsonObject putObject(String name) {
        JsonObject o = new JsonObject();
        set(name, o);
        return o;
    }

    /** A new, empty array put as the member {@code name}; returns the new array. */
    public JsonArray putArray(String name) {
        JsonArray a = new JsonArray();
        set(name, a);
        return a;
    }

    /** Removes the member; returns its value, or {@code null} if there was none. */
    public JsonValue remove(String name) {
        return members.remove(name);
    }

    @Override
    public JsonObject deepCopy() {
        JsonObject copy = new JsonObject();
        members.forEach((k, v) -> copy.members.put(k, v.deepCopy()));
        return copy;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JsonObject other && other.members.equals(members);
    }

    @Override
    public int hashCode() {
        return members.hashCode();
    }
}
