package org.vmhost.qemu;

import org.vmhost.error.VmhostException;
import org.vmhost.host.HostCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's TSC rate in kHz, which pv (microvm) guests are told with {@code tsc_early_khz=}: under TCG
 * the guest reads the host's TSC, and microvm has no HPET or PM timer to calibrate it against.
 * Sources, most exact first, as guest/host-tsc-khz documents: sysfs, the kernel log, /proc/cpuinfo.
 */
public final class HostTsc {
    private static final Pattern REFINED = Pattern.compile("tsc: Refined TSC clocksource calibration: ([0-9.]+) MHz");
    private static final Pattern DETECTED = Pattern.compile("tsc: Detected ([0-9.]+) MHz processor");
    private static final Pattern CPUINFO = Pattern.compile("(?m)^cpu MHz\\s*:\\s*([0-9.]+)");

    private HostTsc() {}

    public static OptionalLong khz() {
        try {
            Path sys = Path.of("/sys/devices/system/cpu/cpu0/tsc_freq_khz");
            if (Files.isReadable(sys)) {
                String k = Files.readString(sys).trim();
                if (k.matches("[1-9][0-9]*")) return OptionalLong.of(Long.parseLong(k));
            }
            OptionalLong fromLog = fromKernelLog(kernelLog());
            if (fromLog.isPresent()) return fromLog;
            return fromCpuinfo(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    static OptionalLong fromKernelLog(String log) {
        for (Pattern p : List.of(REFINED, DETECTED)) {
            Matcher m = p.matcher(log);
            String last = null;
            while (m.find()) last = m.group(1);
            if (last != null) return mhzToKhz(last);
        }
        return OptionalLong.empty();
    }

    static OptionalLong fromCpuinfo(String cpuinfo) {
        Matcher m = CPUINFO.matcher(cpuinfo);
        return m.find() ? mhzToKhz(m.group(1)) : OptionalLong.empty();
    }

    private static OptionalLong mhzToKhz(String mhz) {
        double v = Double.parseDouble(mhz);
        return v > 0 ? OptionalLong.of(Math.round(v * 1000)) : OptionalLong.empty();
    }

    private static String kernelLog() {
        try {
            HostCommand.Result r = HostCommand.of("dmesg").timeout(java.time.Duration.ofSeconds(5)).tryRun();
            return r.ok() ? r.output() : "";
        } catch (VmhostException e) {
            return "";
        }
    }
}
