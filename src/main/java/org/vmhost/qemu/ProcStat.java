package org.vmhost.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What Linux says about one process in {@code /proc/<pid>/stat}: enough to tell whether a recorded pid
 * is still the QEMU that was started, and whether it runs in a session of its own.
 *
 * @param state     the state letter: R, S, D, Z (zombie), T, ...
 * @param session   the session id; equal to pid for a session leader
 * @param group     the process group id
 * @param startTime clock ticks after boot at which the process started; with the pid it names one
 *                  process for as long as the host runs
 */
record ProcStat(long pid, char state, long group, long session, long startTime) {

    /** The process's stat, or empty if there is no such process. */
    static Optional<ProcStat> read(long pid) throws IOException {
        String line;
        Path dir = Path.of("/proc", Long.toString(pid));
        try {
            line = Files.readString(dir.resolve("stat"), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (!Files.exists(dir)) return Optional.empty(); // it exited while we read (ESRCH)
            throw e;
        }
        // The command name in parentheses may itself hold spaces and parentheses: split after the last ')'.
        String[] f = line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
        // f[0] is field 3 of proc(5): state; pgrp is field 5, session 6, starttime 22.
        return Optional.of(new ProcStat(pid, f[0].charAt(0), Long.parseLong(f[2]), Long.parseLong(f[3]),
                Long.parseLong(f[19])));
    }

    /** Exited but not yet reaped: gone for every purpose of ours. */
    boolean isZombie() {
        return state == 'Z' || state == 'X';
    }

    /** The process's argv, or empty if it is gone. */
    static Optional<List<String>> commandLine(long pid) throws IOException {
        byte[] raw;
        try {
            raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        List<String> args = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                args.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < raw.length) args.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
        return Optional.of(List.copyOf(args));
    }
}
