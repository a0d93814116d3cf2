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
 * alike); the fields below are read without it (volatile) by list and info. No registry lock is held
 * while a job runs, so a slow QEMU never blocks other domains.
 */
final class Domain {
    /** Longest an operation waits for another one on the same domain before giving up. */
    static final Duration JOB_WAIT = Duration.ofSeconds(90);

    final String uuid;
    private volatile String name;
    private volatile DomainConfig config;
    private volatile String configText;
    private volatile String sourceName;
    final boolean managed;
    private final boolean autostart;
    private volatile DomainState state = DomainState.SHUT_OFF;
    private volatile OptionalInt domid = OptionalInt.empty();
    private volatile Instant startedAt;
    /** The running QEMU and its console; null while shut off. */
    volatile DomainRuntime runtime;
    /** The host side of each vif while the domain runs (taps, MACs), in devid order; saved in its status. */
    volatile List<org.vmhost.network.Vif> vifs = List.of();
    /** Completed each time the domain stops, so waiters (xm shutdown -w) can wake. */
    private volatile CompletableFuture<Void> stopped = new CompletableFuture<>();
    /** Set by xm reboot: the next guest poweroff restarts the guest instead. */
    volatile boolean rebootRequested;
    /** When the current QEMU started, to refuse restart loops of a guest that crashes at once. */
    volatile Instant lastStart = Instant.EPOCH;
    private final ReentrantLock job = new ReentrantLock();

    Domain(String uuid, String name, DomainConfig config, String configText, String sourceName,
           boolean managed, boolean autostart) {
        this.uuid = Objects.requireNonNull(uuid);
        this.name = Objects.requireNonNull(name);
        this.config = Objects.requireNonNull(config);
        this.configText = Objects.requireNonNull(configText);
        this.sourceName = Objects.requireNonNull(sourceName);
        this.managed = managed;
        this.autostart = autostart;
    }

    /** Runs one job on this domain, waiting for the one before it. */
    <T> T runJob(String what, Supplier<T> work) {
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

    void runJob(String what, Runnable work) {
        runJob(what, () -> {
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
            stopped.complete(null);
            stopped = new CompletableFuture<>();
            domid = OptionalInt.empty();
            startedAt = null;
        }
        state = next;
    }

    /** Completes the next time the domain stops. */
    CompletableFuture<Void> nextStop() {
        return stopped;
    }

    void started(int id, Instant at) {
        domid = OptionalInt.of(id);
        startedAt = at;
    }

    String name() {
        return name;
    }

    void rename(String newName) {
        name = newName;
    }

    DomainConfig config() {
        return config;
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
