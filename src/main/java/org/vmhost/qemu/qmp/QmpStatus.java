package org.vmhost.qemu.qmp;

import java.util.Objects;
import org.vmhost.json.JsonValue;

/**
 * The answer to {@code query-status}.
 *
 * @param status  QEMU's run state: {@code running}, {@code paused}, {@code shutdown},
 *                {@code guest-panicked}, {@code prelaunch}, {@code internal-error}, ...
 * @param running whether the guest's vCPUs are running
 */
public record QmpStatus(String status, boolean running) {
    public QmpStatus {
        Objects.requireNonNull(status, "status");
        if (status.isBlank()) throw new IllegalArgumentException("status is blank");
    }

    static QmpStatus fromJson(JsonValue value) {
        JsonValue status = value.get("status");
        JsonValue running = value.get("running");
        if (status == null || !status.isTextual() || running == null || !running.isBoolean()) {
            throw new IllegalArgumentException("not a query-status answer: " + value);
        }
        return new QmpStatus(status.asText(), running.asBoolean());
    }
}
