package org.vmhost.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.event.DomainEvent;
import org.vmhost.domain.DomainState;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

class StoreTest {
    static final String WEB1 = "5a9f2c1e-3b7d-4e8a-9c0f-1d2e3f4a5b6c";
    static final String DB1 = "0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f";
    static final Instant CREATED = Instant.parse("2025-03-01T10:15:30.123456789Z");

    @TempDir Path dir;
    Path file;
    Store store;

    @BeforeEach
    void open() {
        file = dir.resolve("xend.db");
        store = Store.open(file);
    }

    @AfterEach
    void close() {
        store.close();
    }

    static DomainDefinition definition(String uuid, String name) {
        return new DomainDefinition(uuid, name, "name = \"" + name + "\"\nmemory = 256\n", name + ".cfg",
                true, false, CREATED);
    }

    static DomainStatus status(String uuid, int domid) {
        return new DomainStatus(uuid, domid, 4242, 987654, "/var/lib/vmhost/run/" + uuid + "/qmp.sock",
                "/var/lib/vmhost/run/" + uuid + "/console.sock", "/var/lib/vmhost/log/console-" + uuid + ".log",
                "RUNNING", Instant.parse("2025-03-01T10:16:00Z"), "{\"taps\":[\"vif1.0\"],\"vnc\":5901}");
    }

    @Test
    void aSavedDefinitionIsFoundByUuidAndByNameExactlyAsSaved() {
        DomainDefinition web1 = new DomainDefinition(WEB1, "web1", "name = \"web1\"\n# ünïcode ✓\n", null,
                false, true, CREATED);
        store.saveDefinition(web1);

        assertThat(store.findDefinitionByUuid(WEB1)).contains(web1);
        assertThat(store.findDefinitionByName("web1")).contains(web1);
        assertThat(store.findDefinitionByName("web2")).isEmpty();
    }

    @Test
    void savingADefinitionAgainUpdatesItInPlaceAndKeepsItsStatus() {
        store.saveDefinition(definition(WEB1, "web1"));
        store.saveStatus(status(WEB1, 1));
        DomainDefinition changed = new DomainDefinition(WEB1, "web1", "memory = 512\n", "other.cfg", true, true,
                CREATED);

        store.saveDefinition(changed);

        assertThat(store.definitions()).containsExactly(changed);
        assertThat(store.statuses()).containsExactly(status(WEB1, 1));
    }

    @Test
    void definitionsAreListedByName() {
        store.saveDefinition(definition(WEB1, "web1"));
        store.saveDefinition(definition(DB1, "db1"));

        assertThat(store.definitions()).extracting(DomainDefinition::name).containsExactly("db1", "web1");
    }

    @Test
    void aSecondDomainWithATakenNameIsRefusedAsDomainExists() {
        store.saveDefinition(definition(WEB1, "web1"));

        assertThatThrownBy(() -> store.saveDefinition(definition(DB1, "web1")))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DOMAIN_EXISTS))
                .hasMessage("domain 'web1' already exists");
        assertThat(store.definitions()).extracting(DomainDefinition::uuid).containsExactly(WEB1);
    }

    @Test
    void renameChangesTheNameAndRefusesATakenOne() {
        store.saveDefinition(definition(WEB1, "web1"));
        store.saveDefinition(definition(DB1, "db1"));

        store.rename(WEB1, "web2");

        assertThat(store.findDefinitionByUuid(WEB1)).map(DomainDefinition::name).contains("web2");
        assertThatThrownBy(() -> store.rename(WEB1, "db1"))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DOMAIN_EXISTS))
                .hasMessage("domain 'db1' already exists");
    }

    @Test
    void renamingAnUnknownDomainFailsAsNoSuchDomain() {
        assertThatThrownBy(() -> store.rename(WEB1, "web2"))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_SUCH_DOMAIN))
                .hasMessageContaining(WEB1);
    }

    @Test
    void aStatusRoundTripsAndCanBeReplacedAndDeleted() {
        store.saveDefinition(definition(WEB1, "web1"));
        DomainStatus running = status(WEB1, 1);
        store.saveStatus(running);
        assertThat(store.statuses()).containsExactly(running);

        DomainStatus paused = running.withState(DomainState.PAUSED.name());
        store.saveStatus(paused);
        assertThat(store.statuses()).containsExactly(paused);

        assertThat(store.deleteStatus(WEB1)).isTrue();
        assertThat(store.deleteStatus(WEB1)).isFalse();
        assertThat(store.statuses()).isEmpty();
        assertThat(store.findDefinitionByUuid(WEB1)).isPresent();
    }

    @Test
    void aStatusWithoutNullableFieldsRoundTrips() {
        store.saveDefinition(definition(WEB1, "web1"));
        DomainStatus bare = new DomainStatus(WEB1, 7, 1, 0, "/run/q.sock", null, null, "STARTING",
                Instant.EPOCH, "{}");

        store.saveStatus(bare);

        assertThat(store.statuses()).containsExactly(bare);
    }

    @Test
    void statusesAreListedByDomainId() {
        store.saveDefinition(definition(WEB1, "web1"));
        store.saveDefinition(definition(DB1, "db1"));
        store.saveStatus(status(WEB1, 5));
        store.saveStatus(status(DB1, 3));

        assertThat(store.statuses()).extracting(DomainStatus::domid).containsExactly(3, 5);
    }

    @Test
    void aStatusForAnUnknownDomainFailsAsNoSuchDomain() {
        assertThatThrownBy(() -> store.saveStatus(status(WEB1, 1)))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_SUCH_DOMAIN));
    }

    @Test
    void twoRunningDomainsCannotShareADomainId() {
        store.saveDefinition(definition(WEB1, "web1"));
        store.saveDefinition(definition(DB1, "db1"));
        store.saveStatus(status(WEB1, 1));

        assertThatThrownBy(() -> store.saveStatus(status(DB1, 1)))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
                .hasMessageContaining(file.toString());
        assertThat(store.statuses()).containsExactly(status(WEB1, 1));
    }

    @Test
    void deletingADefinitionDeletesItsStatus() {
        store.saveDefinition(definition(WEB1, "web1"));
        store.saveStatus(status(WEB1, 1));

        assertThat(store.deleteDefinition(WEB1)).isTrue();

        assertThat(store.definitions()).isEmpty();
        assertThat(store.statuses()).isEmpty();
        assertThat(store.deleteDefinition(WEB1)).isFalse();
    }

    @Test
    void domainIdsCountUpFromOne() {
        assertThat(IntStream.range(0, 4).map(i -> store.allocateDomid())).containsExactly(1, 2, 3, 4);
    }

    @Test
    void domainIdsAreNeverReusedAcrossCloseAndReopen() {
        store.allocateDomid();
        store.allocateDomid();
        store.close();

        store = Store.open(file);

        assertThat(store.allocateDomid()).isEqualTo(3);
    }

    @Test
    void eventsReturnTheNewestOldestFirst() {
        for (int i = 1; i <= 5; i++) {
            store.appendEvent(CREATED.plusSeconds(i), "web1", "started", "event " + i);
        }

        assertThat(store.events(3)).extracting(DomainEvent::message).containsExactly("event 3", "event 4", "event 5");
        assertThat(store.events(100)).hasSize(5);
        assertThat(store.events(0)).isEmpty();
        assertThat(store.events(1)).containsExactly(DomainEvent.of(CREATED.plusSeconds(5), "web1", "started", "event 5"));
    }

    @Test
    void awaitEventsWakesWhenAnEventCommitsAndNotForOtherWrites() throws Exception {
        assertThat(store.awaitEvents(0, Duration.ofMillis(20))).isZero();
        var waiter = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        try {
            var woken = waiter.submit(() -> store.awaitEvents(0, Duration.ofSeconds(30)));
            store.allocateDomid(); // a write with no event
            Thread.sleep(100);
            assertThat(woken).isNotDone();

            long before = System.nanoTime();
            store.appendEvent(CREATED, "web1", "started", "event 1");

            assertThat(woken.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(1));
        } finally {
            waiter.shutdownNow();
        }
        appendInATransactionThatFails();
        assertThat(store.awaitEvents(0, Duration.ofSeconds(30))).isEqualTo(1);
    }

    /** A transaction that appends an event and then fails commits nothing, and wakes no one. */
    private void appendInATransactionThatFails() {
        try {
            store.transaction(tx -> {
                tx.appendEvent(CREATED, "web1", "started", "rolled back");
                throw new IllegalStateException("fails");
            });
        } catch (IllegalStateException expected) {
            // as intended
        }
    }

    @Test
    void pruneEventsKeepsOnlyTheNewest() {
        for (int i = 1; i <= 5; i++) store.appendEvent(CREATED, "web1", "paused", "event " + i);

        assertThat(store.pruneEvents(2)).isEqualTo(3);

        assertThat(store.events(10)).extracting(DomainEvent::message).containsExactly("event 4", "event 5");
        store.appendEvent(CREATED, "web1", "paused", "event 6");
        assertThat(store.events(10)).extracting(DomainEvent::message).containsExactly("event 4", "event 5", "event 6");
    }

    @Test
    void theEventLogIsBoundedByDefault() {
        int max = EventRetention.DEFAULT.maxEvents();
        store.transaction(tx -> {
            for (int i = 1; i <= max + 50; i++) tx.appendEvent(CREATED.plusMillis(i), "web1", "rebooted", "event " + i);
        });

        List<DomainEvent> kept = store.events(max + 100);
        assertThat(kept).hasSize(max);
        assertThat(kept.getFirst().message()).isEqualTo("event 51");
        assertThat(kept.getLast().message()).isEqualTo("event " + (max + 50));
    }

    @Test
    void eachAppendKeepsOnlyTheNewestEventsTheRetentionAllows() {
        store.close();
        store = Store.open(file, new EventRetention(3, Duration.ofDays(90)));
        for (int i = 1; i <= 6; i++) store.appendEvent(CREATED.plusSeconds(i), "web1", "started", "event " + i);

        assertThat(store.events(100)).extracting(DomainEvent::message).containsExactly("event 4", "event 5", "event 6");
    }

    @Test
    void eventsOlderThanTheMaxAgeGoWithTheNextAppend() {
        store.close();
        store = Store.open(file, new EventRetention(1000, Duration.ofDays(30)));
        store.appendEvent(CREATED, "web1", "started", "old");
        store.appendEvent(CREATED.plus(Duration.ofDays(29)), "web1", "paused", "recent");
        assertThat(store.events(10)).hasSize(2);

        store.appendEvent(CREATED.plus(Duration.ofDays(31)), "web1", "unpaused", "new");

        assertThat(store.events(10)).extracting(DomainEvent::message).containsExactly("recent", "new");
    }

    @Test
    void pruningIsPartOfTheAppendsTransaction() {
        store.close();
        store = Store.open(file, new EventRetention(2, Duration.ofDays(90)));
        store.appendEvent(CREATED, "web1", "started", "a");
        store.appendEvent(CREATED, "web1", "paused", "b");
        RuntimeException boom = new RuntimeException("boom");

        assertThatThrownBy(() -> store.transaction(tx -> {
            tx.appendEvent(CREATED, "web1", "unpaused", "c");
            tx.appendEvent(CREATED, "web1", "paused", "d");
            throw boom;
        })).isSameAs(boom);

        assertThat(store.events(10)).extracting(DomainEvent::message).containsExactly("a", "b");
    }

    @Test
    void aTransactionCommitsAllItsWritesTogether() {
        int domid = store.transactionWithResult(tx -> {
            tx.saveDefinition(definition(WEB1, "web1"));
            int id = tx.allocateDomid();
            tx.saveStatus(status(WEB1, id));
            tx.appendEvent(CREATED, "web1", "started", "domain 'web1' started");
            return id;
        });

        assertThat(domid).isEqualTo(1);
        assertThat(store.statuses()).containsExactly(status(WEB1, 1));
        assertThat(store.events(10)).hasSize(1);
    }

    @Test
    void aTransactionThatThrowsLeavesNothingBehind() {
        RuntimeException boom = new RuntimeException("boom");

        assertThatThrownBy(() -> store.transaction(tx -> {
            tx.saveDefinition(definition(WEB1, "web1"));
            tx.allocateDomid();
            tx.appendEvent(CREATED, "web1", "created", "created");
            throw boom;
        })).isSameAs(boom);

        assertThat(store.definitions()).isEmpty();
        assertThat(store.events(10)).isEmpty();
        assertThat(store.allocateDomid()).isEqualTo(1);
    }

    @Test
    void aTypedErrorInsideATransactionRollsBackItsEarlierWrites() {
        store.saveDefinition(definition(WEB1, "web1"));

        assertThatThrownBy(() -> store.transaction(tx -> {
            tx.appendEvent(CREATED, "db1", "created", "created");
            tx.saveDefinition(definition(DB1, "web1"));
        })).isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DOMAIN_EXISTS));

        assertThat(store.events(10)).isEmpty();
    }

    @Test
    void theStoreRefusesToBeCalledFromInsideItsOwnTransaction() {
        assertThatThrownBy(() -> store.transaction(tx -> store.definitions()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("use the Tx");
    }

    @Test
    void aTxCannotBeUsedAfterItsTransaction() {
        Tx[] escaped = new Tx[1];
        store.transaction(tx -> escaped[0] = tx);

        assertThatThrownBy(() -> escaped[0].allocateDomid()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aClosedStoreRefusesCallsAndClosingTwiceIsHarmless() {
        store.close();
        store.close();

        assertThatThrownBy(() -> store.definitions()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void theDatabaseIsDurableWithWalFullSyncAndForeignKeys() {
        assertThat(store.pragma("journal_mode")).isEqualTo("wal");
        assertThat(store.pragma("synchronous")).isEqualTo("2"); // FULL
        assertThat(store.pragma("foreign_keys")).isEqualTo("1");
        assertThat(store.pragma("busy_timeout")).isEqualTo("5000");
    }

    @Test
    void theDatabaseFileIsReadableByItsOwnerOnly() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void aFileThatIsNotADatabaseIsRefusedNamingTheFile() throws Exception {
        Path garbage = dir.resolve("garbage.db");
        Files.writeString(garbage, "this is not an SQLite database, but it is long enough to look like one ".repeat(20));

        assertThatThrownBy(() -> Store.open(garbage))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
                .hasMessageContaining(garbage.toString());
    }

    @Test
    void openingInAMissingDirectoryFailsNamingTheFile() {
        Path missing = dir.resolve("no/such/dir/xend.db");

        assertThatThrownBy(() -> Store.open(missing))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
                .hasMessageContaining(missing.toString());
    }

    @Test
    void recordsRejectMalformedValues() {
        assertThatThrownBy(() -> definition("5A9F2C1E-3B7D-4E8A-9C0F-1D2E3F4A5B6C", "web1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UUID");
        assertThatThrownBy(() -> definition(WEB1, " ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> status(WEB1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DomainStatus(WEB1, 1, 1, 0, "/q", null, null, "running", Instant.EPOCH, "{}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("running");
        assertThat(List.of(DomainState.values())).allSatisfy(s ->
                assertThat(status(WEB1, 1).withState(s.name()).state()).isEqualTo(s.name()));
    }
}
