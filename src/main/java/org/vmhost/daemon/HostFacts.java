package org.vmhost.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vmhost.error.VmhostException;
import org.vmhost.host.HostCommand;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmhost.domain.HostInfo;

/** Reads what {@code xm info} shows of the host from /proc, once per call. */
final class HostFacts {
    private static final Pattern MEM_TOTAL = Pattern.compile("(?m)^MemTotal:\\s+(\\d+) kB");
    private static final Pattern MEM_AVAILABLE = Pattern.compile("(?m)^MemAvailable:\\s+(\\d+) kB");
    private static final Pattern CPU_MHZ = Pattern.compile("(?m)^cpu MHz\\s*:\\s*([0-9.]+)");
    /** The kernel's USER_HZ, in which /proc/stat counts; 100 on every Linux architecture vmhost runs on. */
    private static final double USER_HZ = 100.0;

    private HostFacts() {}

    static HostInfo read(String accelerator, String reason, String qemuVersion, String xendVersion, String networking,
                         String confinement) {
        String meminfo = readOr(Path.of("/proc/meminfo"));
        String cpuinfo = readOr(Path.of("/proc/cpuinfo"));
        double uptime = 0;
        String up = readOr(Path.of("/proc/uptime")).trim();
        if (!up.isEmpty()) uptime = Double.parseDouble(up.split("\\s+")[0]);
        return new HostInfo(hostname(), System.getProperty("os.version"), System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(), number(CPU_MHZ, cpuinfo),
                (long) number(MEM_TOTAL, meminfo) / 1024, (long) number(MEM_AVAILABLE, meminfo) / 1024,
                accelerator, reason, qemuVersion, xendVersion, uptime, networking, confinement);
    }

    /** Busy CPU seconds of the whole host (user, nice, system), shown as Domain-0's time. */
    static double busyCpuSeconds() {
        String stat = readOr(Path.of("/proc/stat"));
        for (String line : stat.split("\n")) {
            if (line.startsWith("cpu ")) {
                String[] f = line.trim().split("\\s+");
                return (Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3])) / USER_HZ;
            }
        }
        return 0;
    }

    /** The first line of {@code qemu-system-x86_64 --version}. */
    static String qemuVersion(Path emulator) {
        try {
            return HostCommand.of(emulator.toString(), "--version").timeout(java.time.Duration.ofSeconds(10)).run()
                    .lines().findFirst().orElse("unknown").trim();
        } catch (VmhostException e) {
            return "unknown: " + e.getMessage();
        }
    }

    private static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e2) {
                return "localhost";
            }
        }
    }

    private static double number(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static String readOr(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }
}
