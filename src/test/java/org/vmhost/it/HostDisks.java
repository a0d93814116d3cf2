package org.vmhost.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Block devices for storage tests, made on this host as root and removed, each by its own name, by
 * {@link #close()}: loop devices over image files, partitions as loop devices over a part of a
 * partitioned image, and LVM volume groups with logical volumes (Debian's lvm2). Never touches a device it
 * did not make.
 */
final class HostDisks implements AutoCloseable {
    private final Deque<Runnable> undo = new ArrayDeque<>();

    /** A loop device over {@code file}, e.g. {@code /dev/loop3}. */
    Path loop(Path file) {
        return loop(file, 0, 0);
    }

    /** A loop device over {@code size} bytes of {@code file} from {@code offset} (0 size: to the end). */
    Path loop(Path file, long offset, long size) {
        List<String> cmd = new ArrayList<>(List.of("losetup", "--find", "--show"));
        if (offset > 0) cmd.addAll(List.of("--offset", Long.toString(offset)));
        if (size > 0) cmd.addAll(List.of("--sizelimit", Long.toString(size)));
        cmd.add(file.toString());
        String dev = run(cmd).strip();
        undo.push(() -> run(List.of("losetup", "-d", dev)));
        return Path.of(dev);
    }

    /**
     * A partition of a partitioned disk image, as a block device: partition 1 of a new image of
     * {@code diskMiB}, {@code partMiB} long from sector 2048. This host's loop driver does not scan
     * partition tables (no loopNp1), so the partition is a loop device over its own sectors, which is
     * what the kernel would give the guest for {@code /dev/sdb1}.
     */
    Path partition(Path image, int diskMiB, int partMiB) throws IOException {
        run(List.of("truncate", "-s", diskMiB + "M", image.toString()));
        long sectors = partMiB * 2048L;
        Process p = new ProcessBuilder("sfdisk", "-q", image.toString()).redirectErrorStream(true).start();
        p.getOutputStream().write(("label: dos\nstart=2048, size=" + sectors + ", type=83\n").getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        wait(p, "sfdisk");
        return loop(image, 2048L * 512, sectors * 512);
    }

    /** Whether this kernel has device-mapper, which LVM's logical volumes need. */
    static boolean deviceMapperAvailable() {
        try {
            return Files.readString(Path.of("/proc/misc")).contains("device-mapper");
        } catch (IOException e) {
            return false;
        }
    }

    /** A logical volume {@code /dev/VG/LV} of {@code mib} in a new volume group on a loop device over {@code backing}. */
    Path logicalVolume(Path backing, String vg, String lv, int mib) {
        run(List.of("truncate", "-s", (mib + 16) + "M", backing.toString()));
        Path pv = loop(backing);
        run(List.of("pvcreate", "-q", "-y", pv.toString()));
        undo.push(() -> run(List.of("pvremove", "-q", "-y", pv.toString())));
        run(List.of("vgcreate", "-q", vg, pv.toString()));
        undo.push(() -> run(List.of("vgremove", "-q", "-f", vg)));
        run(List.of("lvcreate", "-q", "-y", "-L", mib + "M", "-n", lv, vg));
        undo.push(() -> run(List.of("lvremove", "-q", "-f", vg + "/" + lv)));
        return Path.of("/dev", vg, lv);
    }

    static String run(List<String> cmd) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("DM_DISABLE_UDEV", "1");
            pb.environment().put("LVM_SUPPRESS_FD_WARNINGS", "1");
            return wait(pb.start(), String.join(" ", cmd));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd, e);
        }
    }

    private static String wait(Process p, String what) throws IOException {
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(what + " did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) throw new AssertionError(what + " failed (" + p.exitValue() + "): " + out);
        return out;
    }

    /** Removes what was made, newest first; every step is tried even when one fails. */
    @Override
    public void close() {
        AssertionError first = null;
        while (!undo.isEmpty()) {
            try {
                undo.pop().run();
            } catch (AssertionError e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }
}
