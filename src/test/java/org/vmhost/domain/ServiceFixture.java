package org.vmhost.domain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import org.vmhost.event.DomainEvent;
import org.vmhost.network.HostNetwork;
import org.vmhost.qemu.FakeQemuLauncher;
import org.vmhost.store.Store;

/**
 * The real {@link LocalDomainService} on a store in a temporary file, with QEMU replaced by
 * {@link FakeQemuLauncher}: the whole lifecycle in milliseconds. {@link #restartXend()} closes the service
 * (guests run on, as with xend stop) and opens a new one on the same store, home and QEMUs.
 */
final class ServiceFixture implements AutoCloseable {
    final Path dir;
    final XendHome home;
    final FakeQemuLauncher qemu = new FakeQemuLauncher();
    final Path kernel;
    Store store;
    LocalDomainService service;

    ServiceFixture(Path dir) throws IOException {
        this.dir = dir;
        this.home = new XendHome(dir.resolve("home"));
        Files.createDirectories(home.runDir());
        this.kernel = Files.writeString(dir.resolve("vmlinuz"), "not a kernel; the fake QEMU never reads it");
        open();
    }

    private void open() {
        store = Store.open(home.database());
        HostEnvironment host = new HostEnvironment(Path.of("/usr/bin/qemu-system-x86_64"), "tcg", "a test", OptionalLong.of(2_000_000),
                () -> new HostInfo("test", "6.1", "x86_64", 2, 2000, 4096, 2048, "tcg", "a test", "7.2", "test", 1, "user", "none (a test)"),
                () -> 1.0, java.util.Optional.empty());
        HostNetwork network = HostNetwork.open(home.root().resolve("networks.json"), home.root().resolve("network"),
                Map.of("VMHOST_NETWORK", "user"));
        service = new LocalDomainService(home, store, host, new DomainConfigs(), network, qemu);
    }

    /** xend stop, then xend start: the guests run on; the new service recovers them. */
    void restartXend() {
        service.close();
        store.close();
        open();
        service.recover();
    }

    /** As {@link #restartXend}, as xend does it: the new service answers listings while it re-attaches. */
    java.util.concurrent.CompletableFuture<Void> restartXendInBackground() {
        service.close();
        store.close();
        open();
        return service.recoverInBackground(java.util.concurrent.CompletableFuture.completedFuture(null)); // no API here
    }

    /** A pv domain's config; {@code extra} adds or overrides settings. */
    String config(String name, String... extra) {
        return "name = \"" + name + "\"\ntype = \"pv\"\nmemory = 64\nkernel = \"" + kernel + "\"\n"
                + String.join("\n", extra) + "\n";
    }

    DomainRequest request(String name, String... extra) {
        return new DomainRequest(name + ".cfg", config(name, extra), List.of());
    }

    List<String> eventKinds(String domain) {
        return store.events(1000).stream().filter(e -> e.domain().equals(domain)).map(DomainEvent::kind).toList();
    }

    String events(String domain) {
        return String.join("\n", store.events(1000).stream().filter(e -> e.domain().equals(domain))
                .map(e -> e.kind() + ": " + e.message()).toList());
    }

    boolean listed(String name) {
        return service.list().stream().anyMatch(d -> d.name().equals(name));
    }

    DomainState state(String name) {
        return service.get(name).state();
    }

    static void await(String what, BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) throw new AssertionError("timed out waiting for " + what);
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        service.close();
        qemu.endAll();
        store.close();
    }
}
