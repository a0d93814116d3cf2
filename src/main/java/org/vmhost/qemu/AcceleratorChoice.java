package org.vmhost.qemu;

import java.util.Objects;

/**
 * The accelerator the probe chose and why, in words fit for a log line or {@code xm info}:
 * "KVM probe ok in 0.3 s", "KVM: /dev/kvm missing", "KVM probe timed out after 5 s: guest reached
 * real mode but not protected mode".
 */
public record AcceleratorChoice(Accelerator accelerator, String reason) {
    public AcceleratorChoice {
        Objects.requireNonNull(accelerator, "accelerator");
        Objects.requireNonNull(reason, "reason");
        if (reason.isBlank()) throw new IllegalArgumentException("reason is blank");
    }
}
