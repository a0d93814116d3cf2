package org.vmhost.domain;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.vmhost.qemu.QemuUser;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The facts about this host that xend decides once at start-up and every launch uses.
 *
 * @param emulator          the qemu-system binary
 * @param accelerator       {@code kvm} or {@code tcg}
 * @param acceleratorReason why the probe chose it, for {@code xm info}
 * @param tscKhz            the host TSC rate for pv guests, when known
 * @param hostInfo          reads the host's current figures for {@code xm info}
 * @param hostCpuSeconds    reads the host's busy CPU time, shown as Domain-0's Time(s)
 * @param qemuUser          the unprivileged user QEMU runs as ({@code -runas}); empty where xend is not root
 */
public record HostEnvironment(Path emulator, String accelerator, String acceleratorReason, OptionalLong tscKhz,
                              Supplier<HostInfo> hostInfo, Supplier<Double> hostCpuSeconds,
                              Optional<QemuUser> qemuUser) {
    public HostEnvironment {
        Objects.requireNonNull(emulator);
        Objects.requireNonNull(accelerator);
        Objects.requireNonNull(acceleratorReason);
        Objects.requireNonNull(tscKhz);
        Objects.requireNonNull(hostInfo);
        Objects.requireNonNull(hostCpuSeconds);
        Objects.requireNonNull(qemuUser);
    }

    HostInfo info() {
        return hostInfo.get();
    }
}
