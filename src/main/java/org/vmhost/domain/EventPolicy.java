package org.vmhost.domain;

import org.vmhost.error.VmhostException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.vmhost.config.LifecycleAction;
import org.vmhost.qemu.QemuExit;
import org.vmhost.qemu.Qemu;
import org.vmhost.qemu.qmp.QmpClient;
import org.vmhost.qemu.qmp.QmpEvent;

/**
 * What xend does with QEMU's news, run on the domain's event queue through its job: a guest that powered
 * off, rebooted or panicked gets its on_poweroff / on_reboot / on_crash action; a QEMU that exits by itself
 * is a crash of the device model.
 */
final class EventPolicy {
    private static final Logger LOG = LocalDomainService.LOG;
    private static final Duration MIN_RESTART_INTERVAL = LocalDomainService.MIN_RESTART_INTERVAL;

    private final LocalDomainService service;

    EventPolicy(LocalDomainService service) {
        this.service = service;
    }

    void onEvent(Domain d, QmpEvent e) {
        try {
            d.awaitJob("handle " + e.name(), () -> handleEvent(d, e));
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "handling " + e.name() + " of domain '" + d.name() + "' failed", ex);
        }
    }

    private void handleEvent(Domain d, QmpEvent e) {
        if (d.runtime == null || d.state() == DomainState.DYING || d.state() == DomainState.SHUT_OFF) return;
        switch (e.name()) {
            case "SHUTDOWN" -> {
                String reason = e.data().path("reason").asText("");
                if (reason.startsWith("host-")) return; // we asked for it
                if (reason.equals("guest-reset")) {
                    apply(d, d.config().onReboot(), "rebooted", "the guest rebooted");
                } else if (d.rebootRequested) {
                    d.rebootRequested = false;
                    restartInPlace(d, "rebooted", "the guest shut down for xm reboot and was restarted");
                } else if (reason.equals("guest-panic")) {
                    apply(d, d.config().onCrash(), "crashed", "the guest panicked");
                } else {
                    apply(d, d.config().onPoweroff(), "poweroff", "the guest powered off");
                }
            }
            case "GUEST_PANICKED" -> apply(d, d.config().onCrash(), "crashed", "the guest panicked");
            case "RESET" -> {
                if (!e.data().path("reason").asText("").startsWith("host-")) service.event(d, "reset", "the guest reset itself");
            }
            default -> { }
        }
    }

    void watchExit(Domain d, Qemu process, ExecutorService queue) {
        process.exit().whenComplete((how, error) -> {
            if (error == null) queue.execute(() -> onExit(d, process, how));
        });
    }

    /** QEMU's process ended. Unless we ended it, that is a crash of the device model. */
    private void onExit(Domain d, Qemu process, QemuExit how) {
        try {
            d.awaitJob("handle exit", () -> {
                DomainRuntime rt = d.runtime;
                if (rt == null || rt.process() != process || d.state() == DomainState.DYING) return;
                crashedWithoutQemu(d, "QEMU ended unexpectedly: " + how.describe());
            });
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "handling the exit of domain '" + d.name() + "' failed", ex);
        }
    }

    /** Applies on_crash to a domain whose QEMU is gone: nothing is left to preserve or reset. */
    private void crashedWithoutQemu(Domain d, String why) {
        LifecycleAction action = d.config().onCrash();
        boolean restart = action == LifecycleAction.RESTART || action == LifecycleAction.RENAME_RESTART
                || action == LifecycleAction.COREDUMP_RESTART;
        service.teardown(d, "crashed", why);
        if (restart && d.managed) relaunchAfterCrash(d);
    }

    private void relaunchAfterCrash(Domain d) {
        if (Duration.between(d.lastStart, Instant.now()).compareTo(LocalDomainService.MIN_RESTART_INTERVAL) < 0) {
            service.event(d, "not-restarted", "crashed less than " + MIN_RESTART_INTERVAL.toSeconds()
                    + " s after it started; not restarted");
            return;
        }
        try {
            service.launch(d, false);
        } catch (VmhostException e) {
            LOG.warning(e.getMessage());
        }
    }

    void apply(Domain d, LifecycleAction action, String kind, String why) {
        switch (action) {
            case DESTROY, COREDUMP_DESTROY -> service.teardown(d, kind, why + "; on_" + onKey(kind) + "=destroy");
            case RESTART, RENAME_RESTART, COREDUMP_RESTART -> {
                if (Duration.between(d.lastStart, Instant.now()).compareTo(LocalDomainService.MIN_RESTART_INTERVAL) < 0
                        && kind.equals("crashed")) {
                    d.moveTo(DomainState.CRASHED);
                    service.saveStatus(d);
                    service.event(d, kind, why + " less than " + MIN_RESTART_INTERVAL.toSeconds()
                            + " s after it started; kept crashed rather than restarted");
                    return;
                }
                restartInPlace(d, kind, why + "; restarted");
            }
            case PRESERVE -> {
                d.moveTo(kind.equals("crashed") ? DomainState.CRASHED : DomainState.SHUTTING_DOWN);
                service.saveStatus(d);
                service.event(d, kind, why + "; preserved for inspection (xm destroy removes it)");
            }
        }
    }

    private static String onKey(String kind) {
        return switch (kind) {
            case "crashed" -> "crash";
            case "rebooted" -> "reboot";
            default -> "poweroff";
        };
    }

    /** Restarts the guest in the same QEMU: a reset and a resume, far faster than a new process. */
    private void restartInPlace(Domain d, String kind, String why) {
        service.qmp(d, "restart", QmpClient::systemReset);
        service.qmp(d, "restart", QmpClient::cont);
        if (d.state() != DomainState.RUNNING) d.moveTo(DomainState.RUNNING);
        d.lastStart = Instant.now();
        service.saveStatus(d);
        service.event(d, kind, why);
    }
}
