package org.vmhost.qemu.qmp;

import java.util.Objects;
import java.util.Optional;
import org.vmhost.json.JsonValue;

/**
 * The answer to {@code query-migrate}: where an outgoing or incoming migration stands.
 *
 * @param status      QEMU's word: {@code none}, {@code setup}, {@code active}, {@code device},
 *                    {@code completed}, {@code failed}, {@code cancelled}, {@code cancelling}, ...
 * @param transferred RAM bytes sent so far (0 when QEMU reports none)
 * @param remaining   RAM bytes still to send (0 when QEMU reports none)
 * @param total       the guest's RAM in bytes (0 when QEMU reports none)
 * @param error       QEMU's {@code error-desc} of a failed migration
 */
public record QmpMigration(String status, long transferred, long remaining, long total, Optional<String> error) {
    public QmpMigration {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(error, "error");
    }

    /** Whether the migration has ended, well or not ({@code completed}, {@code failed}, {@code cancelled}). */
    public boolean finished() {
        return status.equals("completed") || status.equals("failed") || status.equals("cancelled");
    }

    public boolean completed() {
        return status.equals("completed");
    }

    static QmpMigration fromJson(JsonValue value) {
        JsonValue ram = value.path("ram");
        JsonValue error = value.get("error-desc");
        return new QmpMigration(value.path("status").asText("none"), ram.path("transferred").asLong(0),
                ram.path("remaining").asLong(0), ram.path("total").asLong(0),
                error == null || !error.isTextual() ? Optional.empty() : Optional.of(error.asText()));
    }
}
