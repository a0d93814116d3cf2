package org.vmhost.resources;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * Xen's credit scheduler on Linux's CPU controller: each domain's QEMU in a cgroup of its own,
 * {@code <root>/vmhost/<xend>/<uuid>}, its weight and cap set there; {@code <xend>} names one xend (its home), so
 * several xends on one host never touch each other's groups, and each may sweep its own. cgroup v2 takes {@code cpu.weight} and
 * {@code cpu.max}, v1 {@code cpu.shares} and {@code cpu.cfs_quota_us}; {@link #detect} finds which this host has.
 * Xen's weight (1–65535, 256 the default) keeps its ratio: 256 is v1's 1024 shares and v2's weight 100. The cap
 * is in percent of one CPU, 0 for none.
 */
public sealed interface CpuController {
    int DEFAULT_WEIGHT = 256;
    int MAX_WEIGHT = 65_535;
    long PERIOD_US = 100_000;
    String GROUP = "vmhost";

    /** The name of one xend's group, from its home: "x" and the first 12 hex digits of the home's SHA-256. */
    static String xendName(Path home) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(home.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "x" + java.util.HexFormat.of().formatHex(d, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    /** What {@code xm info} says: the version and where. */
    String describe();

    /** The directory of a domain's group. */
    default Path group(String uuid) {
        return xendGroup().resolve(uuid);
    }

    /** The group of this xend's domains. */
    Path xendGroup();

    /** Removes this xend's own group if no domain's group is left in it (xend stopping with no guest running). */
    default void removeXendGroupIfEmpty() {
        try {
            Files.deleteIfExists(xendGroup());
        } catch (IOException e) {
            // a guest still runs in it: it stays
        }
    }

    /**
     * Removes the groups of this xend's domains that are empty and not in {@code keep} (domains whose QEMU ended
     * while xend was away); a group with a process in it stays.
     */
    default void sweep(java.util.Set<String> keep) {
        try (var dirs = Files.list(xendGroup())) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                if (keep.contains(d.getFileName().toString())) continue;
                try {
                    Files.delete(d);
                } catch (IOException e) {
                    // in use, or not ours to remove: left as it is
                }
            }
        } catch (IOException e) {
            // no group yet
        }
    }

    /** Makes the domain's group, sets weight and cap, and moves the QEMU (all its threads) into it. */
    void place(String uuid, long pid, int weight, int cap);

    /** Changes weight and cap of a domain already placed. */
    void set(String uuid, int weight, int cap);

    /** Removes the domain's group once its QEMU is gone; a group that is already gone is fine. */
    void remove(String uuid);

    /**
     * The weight and cap in force in a domain's group, read back from the kernel's files (what an xend that
     * restarted shows); empty when the domain has no group or its files do not read.
     */
    Optional<SchedCredit> read(String uuid, String name, int domid);

    private static Optional<String> readFile(Path file) {
        try {
            return Optional.of(Files.readString(file).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A cap in percent of one CPU from a quota and period in microseconds; a quota of none is 0. */
    static int cap(long quotaUs, long periodUs) {
        return quotaUs < 0 || periodUs <= 0 ? 0 : (int) Math.round(quotaUs * 100.0 / periodUs);
    }

    /** The CPU controller of the cgroup file system mounted at {@code root} (normally /sys/fs/cgroup), if any. */
    static Optional<CpuController> detect(Path root, String xend) {
        try {
            Path controllers = root.resolve("cgroup.controllers");
            if (Files.exists(controllers) && Files.readString(controllers).matches("(?s).*\\bcpu\\b.*")) {
                return Optional.of(new V2(root, xend));
            }
        } catch (IOException e) {
            // fall through to v1
        }
        if (Files.exists(root.resolve("cpu").resolve("cpu.shares"))) return Optional.of(new V1(root.resolve("cpu"), xend));
        return Optional.empty();
    }

    /** Refuses a weight or cap out of range, naming the limit; {@code vcpus} bounds the cap. */
    static void check(String domain, int weight, int cap, int vcpus) {
        if (weight < 1 || weight > MAX_WEIGHT) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "domain '" + domain + "': weight must be from 1 to "
                    + MAX_WEIGHT + ", not " + weight);
        }
        if (cap < 0 || cap > 100 * vcpus) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "domain '" + domain + "': cap must be from 0 (none) to "
                    + 100 * vcpus + " (100 x " + vcpus + " vCPU" + (vcpus == 1 ? "" : "s") + "), not " + cap);
        }
    }

    private static void write(Path file, String value) {
        try {
            Files.writeString(file, value);
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot write '" + value + "' to " + file + ": " + e.getMessage(), e);
        }
    }

    private static void mkdir(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot make the cgroup " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * A QEMU that has just exited stays in its group until its parent reaps it (EBUSY meanwhile), so removal is
     * tried for a while.
     */
    private static void rmdir(Path dir) {
        for (int attempt = 1; ; attempt++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (NoSuchFileException e) {
                return; // gone already
            } catch (IOException e) {
                if (attempt >= 30) {
                    throw new VmhostException(ErrorCode.HOST_FAILED, "cannot remove the cgroup " + dir + ": " + e.getMessage(), e);
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VmhostException(ErrorCode.HOST_FAILED, "interrupted while removing the cgroup " + dir);
            }
        }
    }

    /** cgroup v1: the cpu hierarchy's own mount. */
    record V1(Path mount, String xend) implements CpuController {
        @Override
        public String describe() {
            return "cgroup v1 (" + mount + ": cpu.shares, cpu.cfs_quota_us)";
        }

        @Override
        public Path xendGroup() {
            return mount.resolve(GROUP).resolve(xend);
        }

        /** 256 is the kernel's default 1024; weight 1 gives 4, above the kernel's least (2). */
        static long shares(int weight) {
            return Math.max(2, weight * 1024L / DEFAULT_WEIGHT);
        }

        @Override
        public void place(String uuid, long pid, int weight, int cap) {
            mkdir(group(uuid));
            set(uuid, weight, cap);
            write(group(uuid).resolve("cgroup.procs"), Long.toString(pid));
        }

        @Override
        public void set(String uuid, int weight, int cap) {
            Path g = group(uuid);
            write(g.resolve("cpu.shares"), Long.toString(shares(weight)));
            write(g.resolve("cpu.cfs_period_us"), Long.toString(PERIOD_US));
            write(g.resolve("cpu.cfs_quota_us"), cap == 0 ? "-1" : Long.toString(cap * PERIOD_US / 100));
        }

        @Override
        public void remove(String uuid) {
            rmdir(group(uuid));
        }

        /** Xen's weight from cpu.shares: exact for what {@link #shares} wrote (weight × 4). */
        static int weight(long shares) {
            return (int) Math.max(1, Math.min(MAX_WEIGHT, Math.round(shares * (double) DEFAULT_WEIGHT / 1024)));
        }

        @Override
        public Optional<SchedCredit> read(String uuid, String name, int domid) {
            Path g = group(uuid);
            try {
                long shares = Long.parseLong(readFile(g.resolve("cpu.shares")).orElseThrow());
                long quota = Long.parseLong(readFile(g.resolve("cpu.cfs_quota_us")).orElseThrow());
                long period = Long.parseLong(readFile(g.resolve("cpu.cfs_period_us")).orElseThrow());
                return Optional.of(new SchedCredit(name, domid, weight(shares), cap(quota, period)));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }
    }

    /** cgroup v2: one unified hierarchy; the cpu controller must be enabled for the children of each level. */
    record V2(Path root, String xend) implements CpuController {
        @Override
        public String describe() {
            return "cgroup v2 (" + root + ": cpu.weight, cpu.max)";
        }

        @Override
        public Path xendGroup() {
            return root.resolve(GROUP).resolve(xend);
        }

        static long weight(int xenWeight) {
            return Math.max(1, Math.min(10_000, xenWeight * 100L / DEFAULT_WEIGHT));
        }

        @Override
        public void place(String uuid, long pid, int weight, int cap) {
            mkdir(group(uuid));
            write(root.resolve("cgroup.subtree_control"), "+cpu");
            write(root.resolve(GROUP).resolve("cgroup.subtree_control"), "+cpu");
            write(xendGroup().resolve("cgroup.subtree_control"), "+cpu");
            set(uuid, weight, cap);
            write(group(uuid).resolve("cgroup.procs"), Long.toString(pid));
        }

        @Override
        public void set(String uuid, int weight, int cap) {
            Path g = group(uuid);
            write(g.resolve("cpu.weight"), Long.toString(weight(weight)));
            write(g.resolve("cpu.max"), (cap == 0 ? "max" : Long.toString(cap * PERIOD_US / 100)) + " " + PERIOD_US);
        }

        @Override
        public void remove(String uuid) {
            rmdir(group(uuid));
        }

        /**
         * Xen's weight from cpu.weight: v2's scale is coarser (100 for 256), so this is the nearest weight, exact for
         * the multiples of 64 ({@code 512 -> 200 -> 512}).
         */
        static int xenWeight(long v2Weight) {
            return (int) Math.max(1, Math.min(MAX_WEIGHT, Math.round(v2Weight * (double) DEFAULT_WEIGHT / 100)));
        }

        @Override
        public Optional<SchedCredit> read(String uuid, String name, int domid) {
            Path g = group(uuid);
            try {
                long weight = Long.parseLong(readFile(g.resolve("cpu.weight")).orElseThrow());
                String[] max = readFile(g.resolve("cpu.max")).orElseThrow().split("\\s+");
                long period = max.length > 1 ? Long.parseLong(max[1]) : PERIOD_US;
                long quota = max[0].equals("max") ? -1 : Long.parseLong(max[0]);
                return Optional.of(new SchedCredit(name, domid, xenWeight(weight), cap(quota, period)));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }
    }
}
