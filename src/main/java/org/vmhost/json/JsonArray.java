package org.vmhost.json;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** A JSON array. */
public final class JsonArray extends JsonValue {
    private final List<JsonValue> elements = new ArrayList<>();

    public JsonArray() {
    }

    @Override
    public JsonValue get(int index) {
        return index >= 0 && index < elements.size() ? elements.get(index) : null;
    }

    @Override
    public boolean isArray() {
        return true;
    }

    @Override
    public int size() {
        return elements.size();
    }

    @Override
    public Iterator<JsonValue> iterator() {
        return elements.iterator();
    }

    /** Appends the value, {@code null} for JSON's null; returns this array, for chaining. */
    public JsonArray add(JsonValue value) {
        elements.add(value == null ? nullValue() : value);
        return this;
    }

    public JsonArray add(String value) {
        return add(of(value));
    }

    public JsonArray add(long value) {
        return add(of(value));
    }

    public JsonArray add(boolean value) {
        return add(of(value));
    }

    /** A new, empty object appended; returns the new object. */
    public JsonObject addObject() {
        JsonObject o = new JsonObject();
        add(o);
        return o;
    }

    @Override
    public JsonArray deepCopy() {
        JsonArray copy = new JsonArray();
        for (JsonValue v : elements) copy.elements.add(v.deepCopy());
        return copy;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JsonArray other && other.elements.equals(elements);
    }

    @Override
    public int hashCode() {
        return elements.hashCode();
    }
}
