package org.vmhost.monitor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One of QEMU's vCPU threads, read from {@code /proc/PID/task/TID}: QEMU names them {@code CPU 0/TCG} or
 * {@code CPU 0/KVM}.
 *
 * @param vcpu       the vCPU's index
 * @param tid        the thread's id, for sched_setaffinity
 * @param cpuSeconds user and system time the thread used
 * @param running    whether it was on a CPU or runnable when read (else it sleeps: the guest idles)
 * @param hostCpu    the host CPU it last ran on
 * @param affinity   the host CPUs it may run on, in the kernel's list form ("0-3,5")
 */
public record VcpuThread(int vcpu, long tid, double cpuSeconds, boolean running, int hostCpu, String affinity) {
    private static final Pattern NAME = Pattern.compile("CPU (\\d+)/(TCG|KVM|HVF|WHPX)");
    static final double CLOCK_TICKS = 100.0; // USER_HZ on every Linux we run on

    /** The vCPU threads of a QEMU in vCPU order; empty when the process is gone. */
    public static List<VcpuThread> read(Path proc, long pid) {
        List<VcpuThread> threads = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc.resolve(Long.toString(pid)).resolve("task"))) {
            for (Path task : tasks) {
                try {
                    Matcher m = NAME.matcher(Files.readString(task.resolve("comm"), StandardCharsets.ISO_8859_1).strip());
                    if (!m.matches()) continue;
                    String stat = Files.readString(task.resolve("stat"), StandardCharsets.ISO_8859_1);
                    // The name holds spaces: split after its closing parenthesis. f[0] is field 3 of proc(5).
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
                    double seconds = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / CLOCK_TICKS;
                    threads.add(new VcpuThread(Integer.parseInt(m.group(1)), Long.parseLong(task.getFileName().toString()),
                            seconds, f[0].charAt(0) == 'R', Integer.parseInt(f[36]), affinity(task)));
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we read it (a vCPU unplugged): it is not there
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        threads.sort(Comparator.comparingInt(VcpuThread::vcpu));
        return List.copyOf(threads);
    }

    private static String affinity(Path task) throws IOException {
        for (String line : Files.readAllLines(task.resolve("status"), StandardCharsets.ISO_8859_1))
            if (line.startsWith("Cpus_allowed_list:")) return line.substring(line.indexOf(':') + 1).strip();
        return "";
    }

    /** User and system time of a whole process, all its threads, from {@code /proc/PID/stat}; 0 when it is gone. */
    public static double processSeconds(Path proc, long pid) {
        try {
            String stat = Files.readString(proc.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.ISO_8859_1);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / CLOCK_TICKS;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
