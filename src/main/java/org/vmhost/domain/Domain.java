package org.vmhost.domain;

import org.vmhost.error.VmhostException;
import org.vmhost.error.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.vmhost.config.DomainConfig;

/**
 * One domain at run time: its definition, its state, and the one job that may change it.
 *
 * <p>Locking: {@link #runJob} serialises every operation on this domain (API calls and QMP events
 * alike). The job reads and writes the fields below; every change publishes a new {@link DomainSnapshot},
 * and readers outside the job (list, info) read only that, never a field at a time. No registry lock is held
 * while a job runs, so a slow QEMU never blocks other domains.
 *
 * <p>A domain whose stored definition no longer reads has no config ({@link #config()} fails naming why):
 * recovery keeps it listed, with the QEMU it found left running ({@link #orphan}), until xm destroy or
 * xm delete.
 */
final class Domain {
    /** Longest an operation waits for another one on the same domain before giving up. */
    static final Duration JOB_WAIT = Duration.ofSeconds(90);

    final String uuid;
    private volatile String name;
    private volatile DomainConfig config;
    /** Why the stored definition no longer reads; null for a domain that reads. */
    private final String error;
    private volatile String configText;
    private volatile String sourceName;
    final boolean managed;
    private final boolean autostart;
    private volatile DomainState state = DomainState.SHUT_OFF;
    private volatile OptionalInt domid = OptionalInt.empty();
    private volatile Instant startedAt;
    private volatile DomainSnapshot snapshot;
    /** The running QEMU and its console; null while shut off. */
    volatile DomainRuntime runtime;
    /**
     * A QEMU recovery found running for a domain whose definition no longer reads: never attached, never
     * killed by recovery; xm destroy ends it. Null otherwise.
     */
    volatile org.vmhost.qemu.QemuHandle orphan;
    /** The host side of each vif while the domain runs (taps, MACs), in devid order; saved in its status. */
    volatile List<org.vmhost.network.Vif> vifs = List.of();
    /**
     * MiB the running guest was last given by xm mem-set (its QEMU's balloon target, which outlives a guest reboot
     * in that QEMU); 0 when none. Saved in its status, so that a restarted xend knows it; gone when the domain stops.
     */
    volatile int memoryTarget;
    /** Completed each time the domain stops, so waiters (xm shutdown -w) can wake. */
    private volatile CompletableFuture<Void> stopped = new CompletableFuture<>();
    /** Set by xm reboot: the next guest poweroff restarts the guest instead. */
    volatile boolean rebootRequested;
    /** When the current QEMU started, to refuse restart loops of a guest that crashes at once. */
    volatile Instant lastStart = Instant.EPOCH;
    private final ReentrantLock job = new ReentrantLock();
    /**
     * A definition edited while the domain runs, for its next boot: the running QEMU keeps the one it started with
     * ({@link #config()}), the store already holds this one, and it takes over when the domain stops or is
     * launched again. Null when there is none.
     */
    private volatile NextBoot nextBoot;

    /** A definition waiting for the next boot. */
    record NextBoot(DomainConfig config, String configText, String sourceName) {
    }

    Domain(String uuid, String name, DomainConfig config, String configText, String sourceName,
           boolean managed, boolean autostart) {
        this(uuid, name, Objects.requireNonNull(config), configText, sourceName, managed, autostart, null);
    }

    private Domain(String uuid, String name, DomainConfig config, String configText, String sourceName,
                   boolean managed, boolean autostart, String error) {
        this.uuid = Objects.requireNonNull(uuid);
        this.name = Objects.requireNonNull(name);
        this.config = config;
        this.configText = Objects.requireNonNull(configText);
        this.sourceName = Objects.requireNonNull(sourceName);
        this.managed = managed;
        this.autostart = autostart;
        this.error = error;
        publish();
    }

    /** A stored domain whose definition no longer reads, kept so that it stays visible and can be removed. */
    static Domain unreadable(String uuid, String name, String configText, String sourceName, boolean managed,
                             boolean autostart, String error) {
        return new Domain(uuid, name, null, configText, sourceName, managed, autostart, Objects.requireNonNull(error));
    }

    /** The latest published view: consistent in itself, possibly a moment old. */
    DomainSnapshot snapshot() {
        return snapshot;
    }

    /** Publishes the fields as they are now; called by every change, inside the job. */
    void publish() {
        DomainRuntime rt = runtime;
        org.vmhost.qemu.QemuHandle o = orphan;
        long pid = rt != null ? rt.process().handle().pid() : o != null ? o.pid() : 0;
        snapshot = new DomainSnapshot(uuid, name, domid, state, config, configText, managed, autostart, startedAt,
                pid, java.util.Optional.ofNullable(error), memoryTarget);
    }

    /** Why the stored definition no longer reads, if it does not. */
    java.util.Optional<String> error() {
        return java.util.Optional.ofNullable(error);
    }

    /**
     * Runs one job on this domain, waiting for the one before it; refused at once (INVALID_STATE) while a save or
     * a migration owns the domain, which may take minutes: the caller learns why instead of waiting for a timeout.
     */
    <T> T runJob(String what, Supplier<T> work) {
        DomainState now = state;
        if (now.owned()) {
            throw new VmhostException(ErrorCode.INVALID_STATE, "cannot " + what + " domain '" + name + "': it is "
                    + Transitions.describe(now) + "; try again when that has ended");
        }
        return awaitJob(what, work);
    }

    void runJob(String what, Runnable work) {
        runJob(what, () -> {
            work.run();
            return null;
        });
    }

    /**
     * Runs one job on this domain, waiting for the one before it whatever it is: for xend's own work (QEMU's
     * events, the end of an incoming migration), which must not be refused.
     */
    <T> T awaitJob(String what, Supplier<T> work) {
        try {
            if (!job.tryLock(JOB_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new VmhostException(ErrorCode.TIMEOUT, "domain '" + name + "' is busy with another operation; "
                        + what + " gave up after " + JOB_WAIT.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmhostException(ErrorCode.INTERNAL, "interrupted waiting to " + what + " domain '" + name + "'");
        }
        try {
            return work.get();
        } finally {
            job.unlock();
        }
    }

    void awaitJob(String what, Runnable work) {
        awaitJob(what, () -> {
            work.run();
            return null;
        });
    }

    /** Moves to a new state, checked against the transition table. */
    void moveTo(DomainState next) {
        if (!Transitions.allowed(state, next)) {
            throw new VmhostException(ErrorCode.INTERNAL, "domain '" + name + "': illegal transition " + state + " -> " + next);
        }
        if (next == DomainState.SHUT_OFF && state != DomainState.SHUT_OFF) {
            applyNextBoot();
            stopped.complete(null);
            stopped = new CompletableFuture<>();
            domid = OptionalInt.empty();
            startedAt = null;
            memoryTarget = 0;
        }
        state = next;
        publish();
        Runnable w = watcher;
        if (w != null) w.run();
    }

    /** Runs {@code watcher} after each change of state (the registry's: it wakes the event stream). */
    void watch(Runnable watcher) {
        this.watcher = watcher;
    }

    private volatile Runnable watcher;

    /** Completes the next time the domain stops. */
    CompletableFuture<Void> nextStop() {
        return stopped;
    }

    void started(int id, Instant at) {
        domid = OptionalInt.of(id);
        startedAt = at;
        publish();
    }

    String name() {
        return name;
    }

    void rename(String newName) {
        name = newName;
        publish();
    }

    /** The parsed definition; fails (INVALID_CONFIG) for a domain whose stored definition no longer reads. */
    DomainConfig config() {
        requireReadable();
        return config;
    }

    /** Fails (INVALID_CONFIG) for a domain whose stored definition no longer reads, naming why. */
    void requireReadable() {
        if (error != null) {
            throw new VmhostException(ErrorCode.INVALID_CONFIG, "domain '" + name + "': its stored definition no longer "
                    + "reads (" + error + "); only xm destroy and xm delete work on it");
        }
    }

    String configText() {
        return configText;
    }

    String sourceName() {
        return sourceName;
    }

    void redefine(DomainConfig newConfig, String newText, String newSource) {
        config = newConfig;
        configText = newText;
        sourceName = newSource;
        publish();
    }

    /** Keeps an edited definition for the next boot of a running domain. */
    void redefineNextBoot(DomainConfig newConfig, String newText, String newSource) {
        nextBoot = new NextBoot(Objects.requireNonNull(newConfig), Objects.requireNonNull(newText), Objects.requireNonNull(newSource));
    }

    void clearNextBoot() {
        nextBoot = null;
    }

    /** The definition waiting for the next boot, if the domain has one. */
    java.util.Optional<NextBoot> nextBoot() {
        return java.util.Optional.ofNullable(nextBoot);
    }

    /** The text the domain boots with next: the waiting edit, else its definition. */
    String nextBootText() {
        NextBoot n = nextBoot;
        return n != null ? n.configText() : configText;
    }

    /** Makes a waiting definition the domain's own: called as the domain stops, and before it is launched. */
    void applyNextBoot() {
        NextBoot n = nextBoot;
        if (n == null) return;
        nextBoot = null;
        redefine(n.config(), n.configText(), n.sourceName());
    }

    boolean autostart() {
        return autostart;
    }

    DomainState state() {
        return state;
    }

    OptionalInt domid() {
        return domid;
    }

    Instant startedAt() {
        return startedAt;
    }
}
