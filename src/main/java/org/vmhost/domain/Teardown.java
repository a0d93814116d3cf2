package org.vmhost.domain;

import org.vmhost.event.DomainEvent;
import org.vmhost.error.VmhostException;
import org.vmhost.error.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.vmhost.config.DomainConfig;
import org.vmhost.config.LifecycleAction;
import org.vmhost.config.VfbConfig;
import org.vmhost.config.VifConfig;
import org.vmhost.console.ConsoleRelay;
import org.vmhost.network.HostNetwork;
import org.vmhost.network.NetworkConfig;
import org.vmhost.network.NetworkInfo;
import org.vmhost.network.Vif;
import org.vmhost.domain.Transitions.Operation;
import org.vmhost.qemu.LaunchContext;
import org.vmhost.qemu.NicAttachment;
import org.vmhost.qemu.QemuCommandLine;
import org.vmhost.qemu.QemuExit;
import org.vmhost.qemu.QemuHandle;
import org.vmhost.qemu.QemuLaunch;
import org.vmhost.qemu.QemuProcess;
import org.vmhost.qemu.QemuProcessException;
import org.vmhost.qemu.qmp.QmpClient;
import org.vmhost.qemu.qmp.QmpEvent;
import org.vmhost.qemu.qmp.QmpException;
import org.vmhost.store.DomainDefinition;
import org.vmhost.store.DomainStatus;
import org.vmhost.store.Store;

/**
 * A domain's end: QEMU is asked to quit, then killed; its console, run directory and taps go; a transient
 * domain is forgotten, a managed one is shut off. Runs inside the domain's job.
 */
final class Teardown {
    private final LocalDomainService service;
    private final Store store;
    private final DomainRegistry registry;

    Teardown(LocalDomainService service, Store store, DomainRegistry registry) {
        this.service = service;
        this.store = store;
        this.registry = registry;
    }

    /**
     * Stops a running domain for good: QEMU is asked to quit, then killed; its sockets and run directory
     * go; a transient domain is forgotten, a managed one is shut off.
     */
    void teardown(Domain d, String kind, String why) {
        String message = "domain '" + d.name() + "': " + why;
        DomainRuntime rt = d.runtime;
        if (d.state() != DomainState.DYING) d.moveTo(DomainState.DYING);
        if (rt != null) {
            rt.console().close();
            LocalDomainService.terminate(rt.process());
            rt.events().shutdown();
            LocalDomainService.deleteTree(rt.runDir());
        } else if (d.orphan != null) {
            // The QEMU recovery left running for a domain whose definition no longer reads: pull the plug.
            service.killQuietly(d.orphan);
            LocalDomainService.deleteTree(d.orphan.qmpSocket().getParent());
            d.orphan = null;
        }
        service.unplugVifs(d);
        d.runtime = null;
        d.rebootRequested = false;
        if (d.managed) {
            store.transaction(tx -> {
                tx.deleteStatus(d.uuid);
                tx.appendEvent(Instant.now(), d.name(), kind, message);
            });
        } else {
            store.transaction(tx -> {
                tx.deleteDefinition(d.uuid);
                tx.appendEvent(Instant.now(), d.name(), kind, message);
            });
            registry.remove(d);
        }
        d.moveTo(DomainState.SHUT_OFF);
    }
}
