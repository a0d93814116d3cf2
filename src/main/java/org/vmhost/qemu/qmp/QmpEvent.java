package org.vmhost.qemu.qmp;

import java.time.Instant;
import java.util.Objects;
import org.vmhost.json.JsonObject;
import org.vmhost.json.JsonValue;

/**
 * An asynchronous event from QEMU, e.g. {@code SHUTDOWN}, {@code STOP}, {@code GUEST_PANICKED}.
 * Listeners share one instance: treat {@code data} as read-only.
 *
 * @param name      the event name as QEMU spells it
 * @param data      the event's {@code data} object; empty when QEMU sent none
 * @param timestamp when QEMU emitted it (QEMU's clock, microsecond resolution)
 */
public record QmpEvent(String name, JsonValue data, Instant timestamp) {
    public QmpEvent {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) throw new IllegalArgumentException("event name is blank");
        data = data == null || data.isNull() || data.isMissingNode() ? new JsonObject() : data;
        Objects.requireNonNull(timestamp, "timestamp");
    }

    /** Parses {@code {"event": ..., "data": ..., "timestamp": {"seconds": ..., "microseconds": ...}}}. */
    static QmpEvent fromJson(JsonValue message) {
        JsonValue ts = message.path("timestamp");
        Instant when = ts.has("seconds")
                ? Instant.ofEpochSecond(ts.path("seconds").asLong(), ts.path("microseconds").asLong() * 1000)
                : Instant.EPOCH;
        return new QmpEvent(message.path("event").asText(), message.get("data"), when);
    }
}
