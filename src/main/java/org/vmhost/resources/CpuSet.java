package org.vmhost.resources;

import java.util.BitSet;
import java.util.Objects;

/**
 * A set of host CPUs in Xen's syntax: {@code all}, or comma-separated CPUs and ranges, a {@code ^} taking one
 * out ({@code "0-3,5,^1"}). Bounded by the host's CPUs: naming one the host lacks is an error that says how many
 * it has.
 */
public record CpuSet(BitSet cpus, int hostCpus) {
    public CpuSet {
        cpus = (BitSet) cpus.clone();
        if (hostCpus < 1) throw new IllegalArgumentException("a host has at least one CPU");
        if (cpus.isEmpty()) throw new IllegalArgumentException("an empty set of CPUs");
    }

    /** Parses {@code text} against a host of {@code hostCpus} CPUs; IllegalArgumentException says what is wrong. */
    public static CpuSet parse(String text, int hostCpus) {
        Objects.requireNonNull(text, "text");
        BitSet set = new BitSet();
        String t = text.strip();
        if (t.equals("all") || t.equals("any") || t.equals("any cpu")) {
            set.set(0, hostCpus);
            return new CpuSet(set, hostCpus);
        }
        BitSet removed = new BitSet();
        for (String part : t.split(",", -1)) {
            String p = part.strip();
            boolean remove = p.startsWith("^");
            if (remove) p = p.substring(1);
            int dash = p.indexOf('-');
            int from, to;
            try {
                from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash));
                to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a list of CPUs such as \"0-3,5,^1\" or \"all\"");
            }
            if (from < 0 || to < from) throw new IllegalArgumentException("'" + part.strip() + "' in '" + text + "' is not a CPU range");
            if (to >= hostCpus) {
                throw new IllegalArgumentException("CPU " + to + " in '" + text + "' does not exist: this host has "
                        + hostCpus + " CPU" + (hostCpus == 1 ? "" : "s") + " (0-" + (hostCpus - 1) + ")");
            }
            (remove ? removed : set).set(from, to + 1);
        }
        if (set.isEmpty() && !removed.isEmpty()) set.set(0, hostCpus); // "^1" alone: every CPU but 1
        set.andNot(removed);
        if (set.isEmpty()) throw new IllegalArgumentException("'" + text + "' leaves no CPU to run on");
        return new CpuSet(set, hostCpus);
    }

    /** The host's CPUs, as the JVM sees them (the online ones). */
    public static int online() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** The kernel's list form, "0-1,3", as taskset -c takes it. */
    public String list() {
        StringBuilder sb = new StringBuilder();
        int i = cpus.nextSetBit(0);
        while (i >= 0) {
            int end = cpus.nextClearBit(i) - 1;
            if (!sb.isEmpty()) sb.append(',');
            sb.append(i);
            if (end > i) sb.append('-').append(end);
            i = cpus.nextSetBit(end + 1);
        }
        return sb.toString();
    }

    public boolean all() {
        return cpus.cardinality() == hostCpus && cpus.nextSetBit(0) == 0 && cpus.length() == hostCpus;
    }

    @Override
    public BitSet cpus() {
        return (BitSet) cpus.clone();
    }

    @Override
    public String toString() {
        return list();
    }
}
