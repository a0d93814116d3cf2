package org.vmhost.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmhost.domain.ServiceFixture.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.qemu.FakeQemuLauncher.FakeQemu;
import org.vmhost.store.DomainDefinition;
import org.vmhost.store.DomainStatus;

/** xend's start-up with each kind of leftover, with a scripted QEMU that outlives the service as a real one does. */
class RecoveryTest {
    @TempDir
    Path dir;
    ServiceFixture xend;

    @BeforeEach
    void open() throws IOException {
        xend = new ServiceFixture(dir);
    }

    @AfterEach
    void close() {
        xend.close();
    }

    private FakeQemu startManaged(String name, String... extra) {
        xend.service.define(xend.request(name, extra));
        xend.service.start(name, false);
        return xend.qemu.latest();
    }

    @Test
    void aGuestThatRunsOnIsReattachedAndCanBeStoppedAfterwards() {
        FakeQemu q = startManaged("m");
        int domid = xend.service.get("m").domid().getAsInt();

        xend.restartXend();

        DomainInfo info = xend.service.get("m");
        assertThat(info.state()).isEqualTo(DomainState.RUNNING);
        assertThat(info.domid()).hasValue(domid);
        assertThat(q.ended()).isFalse();
        assertThat(xend.eventKinds("m")).contains("reattached");
        xend.service.destroy("m");
        assertThat(q.ended()).isTrue();
    }

    @Test
    void xendAnswersListingsWhileItReattachesAndHoldsEveryOtherCallUntilItHas() throws Exception {
        FakeQemu q = startManaged("m");
        int domid = xend.service.get("m").domid().getAsInt();
        xend.service.define(xend.request("idle"));
        java.util.concurrent.CountDownLatch slowQmp = new java.util.concurrent.CountDownLatch(1);
        xend.qemu.holdAttach(slowQmp);

        java.util.concurrent.CompletableFuture<Void> recovered = xend.restartXendInBackground();

        // Listings answer at once: the guest that runs is re-attaching, with its id; never shut off.
        DomainInfo m = xend.service.get("m");
        assertThat(m.state()).isEqualTo(DomainState.REATTACHING);
        assertThat(m.domid()).hasValue(domid);
        assertThat(xend.service.list()).extracting(DomainInfo::name, DomainInfo::state)
                .contains(org.assertj.core.groups.Tuple.tuple("m", DomainState.REATTACHING),
                        org.assertj.core.groups.Tuple.tuple("idle", DomainState.SHUT_OFF));
        // Every other call waits: an action on the domain, a start of another (which the stray sweep must not see).
        var pause = java.util.concurrent.CompletableFuture.supplyAsync(() -> xend.service.pause("m"));
        var start = java.util.concurrent.CompletableFuture.supplyAsync(() -> xend.service.start("idle", false));
        Thread.sleep(300);
        assertThat(pause).as("pause while re-attaching").isNotDone();
        assertThat(start).as("start while re-attaching").isNotDone();
        assertThat(recovered).isNotDone();
        assertThat(xend.state("m")).isEqualTo(DomainState.REATTACHING);

        slowQmp.countDown();
        recovered.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(pause.get(10, java.util.concurrent.TimeUnit.SECONDS).state()).isEqualTo(DomainState.PAUSED);
        assertThat(start.get(10, java.util.concurrent.TimeUnit.SECONDS).state()).isEqualTo(DomainState.RUNNING);
        assertThat(q.ended()).isFalse();
        assertThat(xend.qemu.latest().ended()).as("the domain started after recovery runs").isFalse();
        assertThat(xend.qemu.killed()).isEmpty();
        assertThat(xend.eventKinds("m")).contains("reattached");
    }

    @Test
    void aGuestThatEndedWhileXendWasAwayIsReattachingUntilItsQemuProvedGone() throws Exception {
        startManaged("m").vanish();
        xend.service.create(xend.request("t"), false);
        xend.qemu.latest().vanish();
        java.util.concurrent.CountDownLatch slowQmp = new java.util.concurrent.CountDownLatch(1);
        xend.qemu.holdAttach(slowQmp);

        java.util.concurrent.CompletableFuture<Void> recovered = xend.restartXendInBackground();
        assertThat(xend.state("m")).isEqualTo(DomainState.REATTACHING);
        assertThat(xend.state("t")).isEqualTo(DomainState.REATTACHING);
        slowQmp.countDown();
        recovered.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(xend.state("m")).isEqualTo(DomainState.SHUT_OFF);
        assertThat(xend.listed("t")).as("a transient domain is forgotten").isFalse();
        assertThat(xend.events("m")).contains("QEMU ended while xend was away");
    }

    @Test
    void aStartCutShortIsNeverListedWhileXendReattaches() throws Exception {
        startManaged("m");
        xend.service.create(xend.request("t"), false);
        DomainStatus row = xend.store.statuses().stream().filter(r -> r.uuid().equals(xend.service.get("t").uuid())).findFirst().orElseThrow();
        xend.store.saveStatus(row.withState(DomainState.STARTING.name()));
        java.util.concurrent.CountDownLatch slowQmp = new java.util.concurrent.CountDownLatch(1);
        xend.qemu.holdAttach(slowQmp);

        java.util.concurrent.CompletableFuture<Void> recovered = xend.restartXendInBackground();
        assertThat(xend.listed("t")).as("a transient start cut short, undone before xend answers").isFalse();
        assertThat(xend.state("m")).isEqualTo(DomainState.REATTACHING);
        slowQmp.countDown();
        recovered.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(xend.state("m")).isEqualTo(DomainState.RUNNING);
        assertThat(xend.eventKinds("t")).contains("start-interrupted");
    }

    @Test
    void aPausedGuestIsFoundPaused() {
        startManaged("m");
        xend.service.pause("m");
        xend.restartXend();
        assertThat(xend.state("m")).isEqualTo(DomainState.PAUSED);
    }

    @Test
    void aQemuThatEndedWhileXendWasAwayIsACrash() {
        startManaged("m").vanish();
        xend.service.create(xend.request("t"), false);
        xend.qemu.latest().vanish();

        xend.restartXend();

        assertThat(xend.state("m")).isEqualTo(DomainState.SHUT_OFF);
        assertThat(xend.listed("t")).as("a transient domain is forgotten").isFalse();
        assertThat(xend.events("m")).contains("QEMU ended while xend was away");
        assertThat(xend.store.statuses()).isEmpty();
    }

    @Test
    void aQemuThatCannotBeControlledIsKilledSoThatItNeverRunsTwice() {
        FakeQemu q = startManaged("m");
        q.unreachable = true;

        xend.restartXend();

        assertThat(xend.qemu.killed()).containsExactly(q.handle().pid());
        assertThat(xend.state("m")).isEqualTo(DomainState.SHUT_OFF);
        assertThat(xend.eventKinds("m")).contains("killed");
    }

    @Test
    void aGuestThatPoweredOffWhileXendWasAwayGetsItsOnPoweroff() {
        FakeQemu destroyed = startManaged("d", "on_poweroff = \"destroy\"");
        FakeQemu preserved = startManaged("p", "on_poweroff = \"preserve\"");
        destroyed.poweredOffWhileAway();
        preserved.poweredOffWhileAway();

        xend.restartXend();

        assertThat(xend.state("d")).isEqualTo(DomainState.SHUT_OFF);
        assertThat(destroyed.ended()).isTrue();
        assertThat(xend.state("p")).isEqualTo(DomainState.SHUTTING_DOWN);
        assertThat(preserved.ended()).isFalse();
        assertThat(xend.events("d")).contains("the guest powered off while xend was away");
    }

    @Test
    void aStartCutShortIsUndone() {
        FakeQemu q = startManaged("m");
        DomainStatus row = xend.store.statuses().get(0);
        xend.store.saveStatus(row.withState(DomainState.STARTING.name()));

        xend.restartXend();

        assertThat(xend.qemu.killed()).containsExactly(q.handle().pid());
        assertThat(xend.state("m")).isEqualTo(DomainState.SHUT_OFF);
        assertThat(xend.eventKinds("m")).contains("start-interrupted");
    }

    @Test
    void aStateThisXendDoesNotKnowIsSettledByWhatQemuSays() {
        FakeQemu q = startManaged("m");
        xend.store.saveStatus(xend.store.statuses().get(0).withState("HIBERNATING"));

        xend.restartXend();

        assertThat(xend.state("m")).isEqualTo(DomainState.RUNNING);
        assertThat(q.ended()).isFalse();
    }

    @Test
    void theSweepSparesTheDirectoryInWhichTheApiOpenMeanwhileBindsItsSocket() throws IOException {
        Path apis = Files.createDirectories(xend.home.runDir().resolve("." + Long.toString(ProcessHandle.current().pid(), 36) + "-1"));
        Path earlier = Files.createDirectories(xend.home.runDir().resolve(".zzzzz-1"));
        xend.restartXend();
        assertThat(apis).exists();
        assertThat(earlier).as("an earlier xend's").doesNotExist();
    }

    @Test
    void aCopyBeingTakenInFromAnotherHostThatWasNeverResumedIsEndedAndForgotten() throws IOException {
        FakeQemu q = startManaged("m");
        xend.service.pause("m"); // as a waiting incoming QEMU: not running
        String uuid = xend.service.get("m").uuid();
        xend.store.saveStatus(xend.store.statuses().get(0).withState(DomainState.MIGRATING.name()));
        java.nio.file.Files.writeString(Migration.incomingMark(xend.home, uuid), "");

        xend.restartXend();

        assertThat(q.ended()).as("the waiting copy's QEMU").isTrue();
        assertThat(xend.listed("m")).as("the source keeps the domain; this host forgets it").isFalse();
        assertThat(xend.store.statuses()).isEmpty();
        assertThat(xend.store.definitions()).isEmpty();
        assertThat(xend.eventKinds("m")).contains("migrate-aborted");
    }

    @Test
    void aCopyTakenInAndResumedBeforeXendEndedRunsOn() throws IOException {
        FakeQemu q = startManaged("m");
        String uuid = xend.service.get("m").uuid();
        xend.store.saveStatus(xend.store.statuses().get(0).withState(DomainState.MIGRATING.name()));
        java.nio.file.Files.writeString(Migration.incomingMark(xend.home, uuid), "");

        xend.restartXend();

        assertThat(q.ended()).isFalse();
        assertThat(xend.state("m")).isEqualTo(DomainState.RUNNING);
    }

    @Test
    void aSourceWhoseStateWasSentWhenXendEndedIsKeptPausedNeverResumed() {
        FakeQemu q = startManaged("m");
        xend.store.saveStatus(xend.store.statuses().get(0).withState(DomainState.MIGRATING.name()));
        q.migratedAwayWhileAway();

        xend.restartXend();

        assertThat(q.ended()).isFalse();
        assertThat(q.status()).as("not continued: the guest may run on the destination").isEqualTo("postmigrate");
        assertThat(xend.state("m")).isEqualTo(DomainState.PAUSED);
        assertThat(xend.events("m")).contains("if it runs on the destination, destroy it here, otherwise unpause it");
    }

    @Test
    void aSaveCutShortByXendsEndLetsTheGuestRunOn() {
        FakeQemu q = startManaged("m");
        q.migratedAwayWhileAway();

        xend.restartXend();

        assertThat(q.status()).isEqualTo("running");
        assertThat(xend.state("m")).isEqualTo(DomainState.RUNNING);
    }

    @Test
    void aRunDirectoryNoDomainOwnsIsRemoved() throws IOException {
        Path stray = Files.createDirectories(xend.home.domainRunDir("0b6c2a1e-3b7d-4e8a-9c0f-1d2e3f4a5b6c"));
        Files.writeString(stray.resolve("vifs.json"), "[]");
        xend.restartXend();
        assertThat(stray).doesNotExist();
    }

    // ---- a definition that no longer reads ---------------------------------------------------------

    /** What an older or newer xend, or a hand edit, may leave in the store. */
    private void corruptDefinition(String name) {
        xend.service.close();
        DomainDefinition def = xend.store.definitions().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
        xend.store.saveDefinition(new DomainDefinition(def.uuid(), def.name(), "name = '" + name + "'\nmemory = 'lots'\n",
                def.sourceName(), def.managed(), def.autostart(), Instant.now()));
    }

    @Test
    void aGuestWhoseDefinitionNoLongerReadsKeepsRunningAndIsListedWithItsError() {
        FakeQemu q = startManaged("odd");
        int domid = xend.service.get("odd").domid().getAsInt();
        corruptDefinition("odd");

        xend.restartXend();

        assertThat(q.ended()).as("the guest xend cannot understand still runs").isFalse();
        assertThat(xend.qemu.killed()).isEmpty();
        DomainInfo odd = xend.service.list().stream().filter(d -> d.name().equals("odd")).findFirst().orElseThrow();
        assertThat(odd.state()).isEqualTo(DomainState.RUNNING);
        assertThat(odd.domid()).hasValue(domid);
        assertThat(odd.error()).hasValueSatisfying(e -> assertThat(e).contains("memory"));
        assertThat(xend.eventKinds("odd")).contains("unreadable");
    }

    @Test
    void operationsThatNeedTheDefinitionSayWhyTheyCannotBeDone() {
        startManaged("odd");
        corruptDefinition("odd");
        xend.restartXend();

        assertThatThrownBy(() -> xend.service.pause("odd")).isInstanceOf(VmhostException.class)
                .hasMessageContaining("no longer reads").extracting(e -> ((VmhostException) e).code())
                .isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThatThrownBy(() -> xend.service.rename("odd", "even")).hasMessageContaining("no longer reads");
        assertThatThrownBy(() -> xend.service.console("odd")).hasMessageContaining("no longer reads");
    }

    @Test
    void aCreateCannotTakeTheUuidOrTheNameOfADomainThatNoLongerReads() {
        startManaged("odd", "uuid = \"6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b\"");
        corruptDefinition("odd");
        xend.restartXend();

        assertThatThrownBy(() -> xend.service.create(xend.request("other", "uuid = \"6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b\""), false))
                .isInstanceOf(VmhostException.class).extracting(e -> ((VmhostException) e).code())
                .isEqualTo(ErrorCode.DOMAIN_EXISTS);
        assertThatThrownBy(() -> xend.service.create(xend.request("odd"), false))
                .isInstanceOf(VmhostException.class).extracting(e -> ((VmhostException) e).code())
                .isEqualTo(ErrorCode.DOMAIN_EXISTS);
        assertThat(xend.store.definitions()).singleElement().satisfies(d -> assertThat(d.configText()).contains("lots"));
    }

    @Test
    void xmDestroyThenXmDeleteRemoveADomainThatNoLongerReads() {
        FakeQemu q = startManaged("odd");
        corruptDefinition("odd");
        xend.restartXend();

        xend.service.destroy("odd");
        assertThat(xend.qemu.killed()).containsExactly(q.handle().pid());
        assertThat(xend.state("odd")).isEqualTo(DomainState.SHUT_OFF);
        assertThat(xend.store.statuses()).isEmpty();
        assertThat(xend.home.domainRunDir(xend.service.get("odd").uuid())).doesNotExist();

        xend.service.delete("odd");
        assertThat(xend.listed("odd")).isFalse();
        assertThat(xend.store.definitions()).isEmpty();
    }

    @Test
    void aTransientDomainThatNoLongerReadsGoesWithItsDestroy() {
        xend.service.create(xend.request("t"), false);
        corruptDefinition("t");
        xend.restartXend();
        assertThat(xend.service.get("t").error()).isPresent();

        xend.service.destroy("t");
        assertThat(xend.listed("t")).isFalse();
        assertThat(xend.store.definitions()).isEmpty();
        assertThat(xend.qemu.running()).isEmpty();
    }

    @Test
    void aDomainThatNoLongerReadsAndDoesNotRunIsListedShutOff() {
        xend.service.define(xend.request("idle"));
        corruptDefinition("idle");
        xend.restartXend();
        xend.service.autostart();

        DomainInfo idle = xend.service.get("idle");
        assertThat(idle.state()).isEqualTo(DomainState.SHUT_OFF);
        assertThat(idle.error()).isPresent();
        assertThat(List.of(idle.memory(), idle.vcpus())).containsOnly(0);
        await("nothing to start", () -> xend.qemu.running().isEmpty());
    }

    @Test
    void autostartDomainsStartInTheirOrderEachItsDelayAfterTheOneBefore() throws java.io.IOException {
        java.nio.file.Path auto = java.nio.file.Files.createDirectories(xend.home.autoDir());
        java.nio.file.Files.writeString(auto.resolve("a-web.cfg"), xend.config("web", "auto_start_order = 2"));
        java.nio.file.Files.writeString(auto.resolve("b-db.cfg"), xend.config("db", "auto_start_order = 1", "auto_start_delay = 1"));
        java.nio.file.Files.writeString(auto.resolve("c-cache.cfg"), xend.config("cache", "auto_start_order = 1"));
        xend.service.autostart();

        List<org.vmhost.event.DomainEvent> started = xend.store.events(1000).stream()
                .filter(e -> e.kind().equals("started")).toList();
        assertThat(started).extracting(org.vmhost.event.DomainEvent::domain).containsExactly("db", "cache", "web");
        assertThat(java.time.Duration.between(started.get(0).time(), started.get(1).time()))
                .as("db's delay before the next").isGreaterThanOrEqualTo(java.time.Duration.ofMillis(900));
        assertThat(java.time.Duration.between(started.get(1).time(), started.get(2).time()))
                .as("no delay after cache").isLessThan(java.time.Duration.ofMillis(900));
    }

    @Test
    void anAutostartOrderOrDelayOutOfRangeIsAConfigError() {
        assertThatThrownBy(() -> xend.service.create(xend.request("bad", "auto_start_delay = 7200"), false))
                .hasMessageContaining("auto_start_delay");
        assertThatThrownBy(() -> xend.service.create(xend.request("bad", "auto_start_order = 10000"), false))
                .hasMessageContaining("auto_start_order");
        assertThat(xend.listed("bad")).isFalse();
    }
}
