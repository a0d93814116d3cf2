package org.vmhost.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/** A domain publishes a whole snapshot with every change, and a readerless field is never what list shows. */
class DomainTest {
    private static Domain domain() {
        DomainRequest request = new DomainRequest("web1.cfg", "name = 'web1'\ntype = 'hvm'\nmemory = 64\n", List.of());
        return new Domain("6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", "web1", new DomainConfigs().parse(request),
                request.configText(), "web1.cfg", true, false);
    }

    @Test
    void everyChangePublishesAWholeSnapshot() {
        Domain d = domain();
        DomainSnapshot before = d.snapshot();
        assertThat(before.state()).isEqualTo(DomainState.SHUT_OFF);

        d.moveTo(DomainState.STARTING);
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        d.started(7, at);
        d.moveTo(DomainState.RUNNING);
        DomainSnapshot running = d.snapshot();
        assertThat(running.state()).isEqualTo(DomainState.RUNNING);
        assertThat(running.domid()).hasValue(7);
        assertThat(running.startedAt()).isEqualTo(at);

        d.rename("web2");
        assertThat(d.snapshot().name()).isEqualTo("web2");

        d.moveTo(DomainState.SHUT_OFF);
        DomainSnapshot off = d.snapshot();
        assertThat(off.state()).isEqualTo(DomainState.SHUT_OFF);
        assertThat(off.domid()).isEmpty();
        assertThat(off.startedAt()).isNull();
        // a snapshot is immutable: the one taken while running still says so
        assertThat(running.domid()).hasValue(7);
        assertThat(before.name()).isEqualTo("web1");
    }

    @Test
    void aDomainWhoseDefinitionNoLongerReadsSaysSoWhenItsConfigIsNeeded() {
        Domain d = Domain.unreadable("6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", "odd", "memory = 'lots'", "odd.cfg", true, false,
                "odd.cfg:1: memory must be a number");
        assertThat(d.snapshot().error()).hasValue("odd.cfg:1: memory must be a number");
        assertThat(d.snapshot().config()).isNull();
        assertThatThrownBy(d::config).isInstanceOf(VmhostException.class)
                .hasMessageContaining("domain 'odd': its stored definition no longer reads (odd.cfg:1: memory must be a number)")
                .extracting(e -> ((VmhostException) e).code()).isEqualTo(ErrorCode.INVALID_CONFIG);
    }

    @Test
    void whileASaveOwnsTheDomainAnotherOperationIsRefusedAtOnceAndXendsOwnWorkWaitsItsTurn() throws Exception {
        Domain d = domain();
        d.moveTo(DomainState.STARTING);
        d.moveTo(DomainState.RUNNING);
        java.util.concurrent.CountDownLatch saving = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread save = Thread.ofVirtual().start(() -> d.runJob("save", () -> {
            d.moveTo(DomainState.SAVING);
            saving.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            d.moveTo(DomainState.SHUT_OFF);
        }));
        saving.await();
        assertThat(d.snapshot().state()).as("what list shows during the save").isEqualTo(DomainState.SAVING);

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> d.runJob("pause", () -> { }))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_STATE))
                .hasMessage("cannot pause domain 'web1': it is being saved (xm save); try again when that has ended");
        assertThat((System.nanoTime() - t0) / 1_000_000).as("refused without waiting for the save, ms").isLessThan(1000);

        // QEMU's events wait for the save rather than being lost.
        java.util.concurrent.atomic.AtomicReference<DomainState> seen = new java.util.concurrent.atomic.AtomicReference<>();
        Thread event = Thread.ofVirtual().start(() -> d.awaitJob("handle STOP", () -> seen.set(d.state())));
        Thread.sleep(200);
        assertThat(seen.get()).isNull();
        release.countDown();
        save.join();
        event.join();
        assertThat(seen.get()).isEqualTo(DomainState.SHUT_OFF);
    }

    @Test
    void aMigratingDomainRefusesOtherOperationsNamingTheMigration() {
        Domain d = domain();
        d.moveTo(DomainState.STARTING);
        d.moveTo(DomainState.PAUSED);
        d.moveTo(DomainState.MIGRATING);
        assertThatThrownBy(() -> d.runJob("destroy", () -> { }))
                .hasMessage("cannot destroy domain 'web1': it is being migrated (xm migrate); try again when that has ended");
        assertThat(d.snapshot().state().xmStateField()).isEqualTo("---s--");
    }
}
