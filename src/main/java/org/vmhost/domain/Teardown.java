package org.vmhost.domain;

import java.time.Instant;
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
            service.closeDisplay(rt);
            LocalDomainService.terminate(rt.process());
            rt.events().shutdown();
            LocalDomainService.deleteTree(rt.runDir());
        } else if (d.orphan != null) {
            // The QEMU recovery left running for a domain whose definition no longer reads: pull the plug.
            service.killQuietly(d.orphan);
            LocalDomainService.deleteTree(d.orphan.qmpSocket().getParent());
            d.orphan = null;
        }
        service.scheduling().release(d);
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
