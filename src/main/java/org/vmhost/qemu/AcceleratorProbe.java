package org.vmhost.qemu;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Decides between KVM and TCG by booting a probe guest under KVM. A {@code /dev/kvm} that opens proves
 * nothing: the nested KVM on the development machines opens fine and then hangs every ordinary kernel
 * at its switch out of real mode. So KVM is chosen only when {@link AcceleratorProbeRom}'s guest gets
 * from the reset vector through protected mode into long mode with paging, and exits, within the time
 * limit. Anything else is TCG, with the reason.
 *
 * <p>A probe costs one short QEMU run (milliseconds when KVM works; the whole time limit, on one busy
 * core, when it hangs). The caller runs it once and keeps the answer for the daemon's lifetime.
 */
public final class AcceleratorProbe {
    public static final Duration DEFAULT_TIME_LIMIT = Duration.ofSeconds(5);

    private static final System.Logger LOG = System.getLogger(AcceleratorProbe.class.getName());
    private static final Path KVM_DEVICE = Path.of("/dev/kvm");
    /** Kills the probe QEMU this long after the time limit even if this JVM died in between. */
    private static final Duration BACKSTOP = Duration.ofSeconds(5);

    private final Path emulator;
    private final Duration timeLimit;
    private final Path kvmDevice;

    /**
     * @param emulator  the qemu-system-x86_64 binary (a bare name is looked up on PATH)
     * @param timeLimit how long the probe guest may take under KVM
     */
    public AcceleratorProbe(Path emulator, Duration timeLimit) {
        this(emulator, timeLimit, KVM_DEVICE);
    }

    AcceleratorProbe(Path emulator, Duration timeLimit, Path kvmDevice) {
        this.emulator = Objects.requireNonNull(emulator, "emulator");
        Objects.requireNonNull(timeLimit, "timeLimit");
        if (timeLimit.isNegative() || timeLimit.isZero()) {
            throw new IllegalArgumentException("time limit must be positive: " + timeLimit);
        }
        this.timeLimit = timeLimit;
        this.kvmDevice = Objects.requireNonNull(kvmDevice, "kvmDevice");
    }

    /** Probes and decides. A broken KVM or QEMU is not an error here: it is a reason to use TCG. */
    public AcceleratorChoice probe() throws InterruptedException {
        Outcome outcome = checkDevice(kvmDevice);
        if (outcome == null) outcome = boot(Accelerator.KVM);
        AcceleratorChoice choice = decide(outcome);
        LOG.log(System.Logger.Level.INFO, "accelerator: " + choice.accelerator().qemuName() + " (" + choice.reason() + ")");
        return choice;
    }

    /** What the probe found; {@link #decide} turns it into a choice. */
    sealed interface Outcome {
        record DeviceMissing(Path device) implements Outcome {}

        record DeviceUnusable(Path device, String why) implements Outcome {}

        record CouldNotRun(String why) implements Outcome {}

        record Passed(Duration elapsed) implements Outcome {}

        record TimedOut(Duration limit, String stages) implements Outcome {}

        /** QEMU exited on its own without the guest passing: {@code output} is its last line, if any. */
        record Failed(int exitStatus, String stages, String output) implements Outcome {}
    }

    /** The decision, kept apart from the I/O so that every case has a unit test. */
    static AcceleratorChoice decide(Outcome outcome) {
        return switch (outcome) {
            case Outcome.Passed p -> new AcceleratorChoice(Accelerator.KVM, "KVM probe ok in " + format(p.elapsed()));
            case Outcome.DeviceMissing m -> tcg("KVM: " + m.device() + " missing");
            case Outcome.DeviceUnusable u -> tcg("KVM: cannot open " + u.device() + ": " + u.why());
            case Outcome.CouldNotRun c -> tcg("KVM probe could not run: " + c.why());
            case Outcome.TimedOut t -> tcg("KVM probe timed out after " + format(t.limit()) + ": "
                    + AcceleratorProbeRom.describe(t.stages()));
            case Outcome.Failed f -> tcg("KVM probe failed: QEMU exited with status " + f.exitStatus() + " ("
                    + AcceleratorProbeRom.describe(f.stages()) + ")" + (f.output().isEmpty() ? "" : ": " + f.output()));
        };
    }

    private static AcceleratorChoice tcg(String reason) {
        return new AcceleratorChoice(Accelerator.TCG, reason);
    }

    /** Null when the device opens for reading and writing, as QEMU will open it. */
    private static Outcome checkDevice(Path device) {
        try (FileChannel ignored = FileChannel.open(device, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return null;
        } catch (NoSuchFileException e) {
            return new Outcome.DeviceMissing(device);
        } catch (AccessDeniedException e) {
            return new Outcome.DeviceUnusable(device, "permission denied");
        } catch (IOException | UnsupportedOperationException e) {
            return new Outcome.DeviceUnusable(device, String.valueOf(e.getMessage()));
        }
    }

    /** Boots the probe guest under {@code accelerator}; package-private so tests can check it under TCG. */
    Outcome boot(Accelerator accelerator) throws InterruptedException {
        Path dir;
        try {
            dir = Files.createTempDirectory("vmhost-accel-probe");
        } catch (IOException e) {
            return new Outcome.CouldNotRun("cannot create a temporary directory: " + e.getMessage());
        }
        try {
            return boot(accelerator, dir);
        } finally {
            org.vmhost.host.FileTrees.deleteOrLog(dir);
        }
    }

    private Outcome boot(Accelerator accelerator, Path dir) throws InterruptedException {
        Path rom = dir.resolve("probe.rom");
        Path stages = dir.resolve("stages");
        Path output = dir.resolve("qemu.log");
        try {
            Files.write(rom, AcceleratorProbeRom.build(AcceleratorProbeRom.EXIT_TAIL));
        } catch (IOException e) {
            return new Outcome.CouldNotRun("cannot write the probe image: " + e.getMessage());
        }
        List<String> argv = List.of(
                "timeout", "--signal=KILL", (timeLimit.plus(BACKSTOP).toMillis() / 1000 + 1) + "s",
                emulator.toString(), "-nodefaults", "-no-user-config", "-display", "none",
                "-machine", "pc", "-accel", accelerator.qemuName(), "-m", "16",
                "-bios", rom.toString(),
                "-debugcon", "file:" + stages,
                "-device", "isa-debug-exit,iobase=0x" + Integer.toHexString(AcceleratorProbeRom.EXIT_PORT) + ",iosize=0x04");
        ProcessBuilder builder = new ProcessBuilder(argv)
                .redirectInput(new File("/dev/null"))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        long start = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return new Outcome.CouldNotRun("cannot run " + emulator + ": " + e.getMessage());
        }
        try {
            if (!process.waitFor(timeLimit.toNanos(), TimeUnit.NANOSECONDS)) {
                return new Outcome.TimedOut(timeLimit, read(stages));
            }
        } finally {
            // QEMU first: killing only the timeout(1) wrapper would orphan it.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        int status = process.exitValue();
        String marks = read(stages);
        if (status == AcceleratorProbeRom.EXIT_STATUS_OK && marks.startsWith(AcceleratorProbeRom.STAGES_OK)) {
            return new Outcome.Passed(elapsed);
        }
        return new Outcome.Failed(status, marks, lastLine(output));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static String lastLine(Path file) {
        List<String> lines = read(file).lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1).strip();
    }


    /** A duration as people write it: "80 ms", "5 s", "1.3 s". */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) return ms + " ms";
        if (ms % 1000 == 0) return ms / 1000 + " s";
        return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
