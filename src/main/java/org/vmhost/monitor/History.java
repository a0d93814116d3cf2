package org.vmhost.monitor;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every series at every {@link Resolution}: round-robin archives of averages, as an RRD keeps them. A value
 * added goes into the step in progress of each archive; when time moves past a step its average is kept and
 * the oldest step falls out. Saved whole to one file (write, fsync, rename), read back at start-up.
 *
 * <p>Thread-safe: each series is updated and read under its own lock.
 */
public final class History {
    private static final int FORMAT = 1;
    private static final String MAGIC = "vmhost-history";

    private final Map<String, Series> series = new ConcurrentHashMap<>();

    /** Adds one value of a series at a time (seconds since the epoch). */
    public void add(String key, long epochSecond, double value) {
        series.computeIfAbsent(key, k -> new Series()).add(epochSecond, value);
    }

    /** The series' names, sorted. */
    public List<String> keys() {
        return List.copyOf(new TreeSet<>(series.keySet()));
    }

    /** The names of the series under {@code prefix}, with the prefix taken off, sorted. */
    public List<String> keys(String prefix) {
        List<String> out = new ArrayList<>();
        for (String k : keys()) if (k.startsWith(prefix)) out.add(k.substring(prefix.length()));
        return out;
    }

    public boolean has(String key) {
        return series.containsKey(key);
    }

    /** The points of one series between two instants at one resolution, oldest first; empty for an unknown one. */
    public List<HistoryPoint> query(String key, Resolution resolution, Instant from, Instant to) {
        Series s = series.get(key);
        return s == null ? List.of() : s.archive(resolution).query(from.getEpochSecond(), to.getEpochSecond());
    }

    /** Drops the series whose names start with {@code prefix} (a domain deleted). */
    public void remove(String prefix) {
        series.keySet().removeIf(k -> k.startsWith(prefix));
    }

    public void save(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE);
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), 1 << 16))) {
            out.writeUTF(MAGIC);
            out.writeInt(FORMAT);
            Map<String, Series> copy = new HashMap<>(series);
            out.writeInt(copy.size());
            for (var e : copy.entrySet()) {
                out.writeUTF(e.getKey());
                e.getValue().write(out);
            }
            out.flush();
            channel.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The history saved in {@code file}; empty when there is none. A file of another format is an error. */
    public static History load(Path file) throws IOException {
        History h = new History();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (!in.readUTF().equals(MAGIC)) throw new IOException(file + " is not a vmhost history file");
            int format = in.readInt();
            if (format != FORMAT) throw new IOException(file + " has history format " + format + ", this xend reads " + FORMAT);
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String key = in.readUTF();
                h.series.put(key, Series.read(in));
            }
        } catch (NoSuchFileException e) {
            return h;
        }
        return h;
    }

    /** One series: an archive per resolution. */
    private static final class Series {
        private final Archive[] archives = new Archive[Resolution.values().length];

        Series() {
            for (Resolution r : Resolution.values()) archives[r.ordinal()] = new Archive(r.stepSeconds(), r.rows());
        }

        synchronized void add(long t, double v) {
            for (Archive a : archives) a.add(t, v);
        }

        Archive archive(Resolution r) {
            return archives[r.ordinal()];
        }

        synchronized void write(DataOutputStream out) throws IOException {
            for (Archive a : archives) a.write(out);
        }

        static Series read(DataInputStream in) throws IOException {
            Series s = new Series();
            for (Archive a : s.archives) a.read(in);
            return s;
        }
    }

    /** One resolution of one series: a ring of step averages, each slot knowing which step it holds. */
    private static final class Archive {
        final int step;
        final long[] steps;
        final double[] values;
        long pendingStep = -1;
        double pendingSum;
        int pendingCount;

        Archive(int step, int rows) {
            this.step = step;
            this.steps = new long[rows];
            java.util.Arrays.fill(steps, -1);
            this.values = new double[rows];
        }

        synchronized void add(long t, double v) {
            long s = Math.floorDiv(t, step);
            if (s != pendingStep) {
                if (s < pendingStep) return; // the clock went back: ignore until it catches up
                close();
                pendingStep = s;
            }
            pendingSum += v;
            pendingCount++;
        }

        private void close() {
            if (pendingCount > 0) {
                int slot = (int) Math.floorMod(pendingStep, (long) steps.length);
                steps[slot] = pendingStep;
                values[slot] = pendingSum / pendingCount;
            }
            pendingSum = 0;
            pendingCount = 0;
        }

        synchronized List<HistoryPoint> query(long from, long to) {
            List<HistoryPoint> points = new ArrayList<>();
            long first = Math.max(Math.floorDiv(from, step), (pendingStep < 0 ? 0 : pendingStep) - steps.length + 1);
            if (pendingStep < 0) return points;
            long last = Math.min(Math.floorDiv(to, step), pendingStep);
            for (long s = first; s <= last; s++) {
                if (s == pendingStep && pendingCount > 0) {
                    points.add(new HistoryPoint(Instant.ofEpochSecond(s * step), pendingSum / pendingCount));
                    continue;
                }
                int slot = (int) Math.floorMod(s, (long) steps.length);
                if (steps[slot] == s) points.add(new HistoryPoint(Instant.ofEpochSecond(s * step), values[slot]));
            }
            return points;
        }

        synchronized void write(DataOutputStream out) throws IOException {
            out.writeInt(steps.length);
            out.writeLong(pendingStep);
            out.writeDouble(pendingSum);
            out.writeInt(pendingCount);
            for (int i = 0; i < steps.length; i++) {
                out.writeLong(steps[i]);
                out.writeDouble(values[i]);
            }
        }

        synchronized void read(DataInputStream in) throws IOException {
            int rows = in.readInt();
            if (rows != steps.length) throw new IOException("history archive of " + rows + " rows, expected " + steps.length);
            pendingStep = in.readLong();
            pendingSum = in.readDouble();
            pendingCount = in.readInt();
            for (int i = 0; i < rows; i++) {
                steps[i] = in.readLong();
                values[i] = in.readDouble();
            }
        }
    }
}
