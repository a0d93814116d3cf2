package org.vmhost.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Instant;
import java.util.Objects;

/**
 * An asynchronous event from QEMU, e.g. {@code SHUTDOWN}, {@code STOP}, {@code GUEST_PANICKED}.
 * Listeners share one instance: treat {@code data} as read-only.
 *
 * @param name      the event name as QEMU spells it
 * @param data      the event's {@code data} object; empty when QEMU sent none
 * @param timestamp when QEMU emitted it (QEMU's clock, microsecond resolution)
 */
public record QmpEvent(String name, JsonNode data, Instant timestamp) {
    public QmpEvent {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) throw new IllegalArgumentException("event name is blank");
        data = data == null || data.isNull() || data.isMissingNode() ? JsonNodeFactory.instance.objectNode() : data;
        Objects.requireNonNull(timestamp, "timestamp");
    }

    /** Parses {@code {"event": ..., "data": ..., "timestamp": {"seconds": ..., "microseconds": ...}}}. */
    static QmpEvent fromJson(JsonNode message) {
        JsonNode ts = message.path("timestamp");
        Instant when = ts.has("seconds")
                ? Instant.ofEpochSecond(ts.path("seconds").asLong(), ts.path("microseconds").asLong() * 1000)
                : Instant.EPOCH;
        return new QmpEvent(message.path("event").asText(), message.get("data"), when);
    }
}
