package org.vmhost.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.event.DomainEvent;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

class StoreMigrationTest {
    @TempDir Path dir;

    /** Schema version 1 as it shipped, written by hand so that later edits to Schema cannot change it. */
    private static void writeVersion1(Path file) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement()) {
            s.execute("""
                    CREATE TABLE domain (
                        uuid        TEXT PRIMARY KEY NOT NULL,
                        name        TEXT NOT NULL UNIQUE,
                        config_text TEXT NOT NULL,
                        source_name TEXT,
                        managed     INTEGER NOT NULL CHECK (managed IN (0, 1)),
                        autostart   INTEGER NOT NULL CHECK (autostart IN (0, 1)),
                        created_at  TEXT NOT NULL
                    ) STRICT""");
            s.execute("""
                    CREATE TABLE event (
                        id      INTEGER PRIMARY KEY,
                        time    TEXT NOT NULL,
                        domain  TEXT NOT NULL,
                        kind    TEXT NOT NULL,
                        message TEXT NOT NULL
                    ) STRICT""");
            s.execute("""
                    INSERT INTO domain VALUES ('5a9f2c1e-3b7d-4e8a-9c0f-1d2e3f4a5b6c', 'web1',
                        'name = "web1"', 'web1.cfg', 1, 1, '2024-11-02T08:00:00Z')""");
            s.execute("INSERT INTO event (time, domain, kind, message) VALUES "
                    + "('2024-11-02T08:00:01Z', 'web1', 'created', 'domain ''web1'' defined')");
            s.execute("PRAGMA user_version = 1");
        }
    }

    @Test
    void aVersion1DatabaseIsMigratedToTheLatestKeepingItsRows() throws Exception {
        Path file = dir.resolve("xend.db");
        writeVersion1(file);

        try (Store store = Store.open(file)) {
            assertThat(store.pragma("user_version")).isEqualTo(String.valueOf(Schema.LATEST));
            assertThat(store.definitions()).containsExactly(new DomainDefinition(
                    "5a9f2c1e-3b7d-4e8a-9c0f-1d2e3f4a5b6c", "web1", "name = \"web1\"", "web1.cfg", true, true,
                    Instant.parse("2024-11-02T08:00:00Z")));
            assertThat(store.events(10)).containsExactly(DomainEvent.of(Instant.parse("2024-11-02T08:00:01Z"),
                    "web1", "created", "domain 'web1' defined"));

            // what version 2 added works on the migrated rows
            assertThat(store.allocateDomid()).isEqualTo(1);
            store.saveStatus(StoreTest.status(StoreTest.WEB1, 1));
            assertThat(store.statuses()).hasSize(1);
        }
    }

    @Test
    void aMigratedDatabaseIsNotMigratedAgainOnTheNextOpen() {
        Path file = dir.resolve("xend.db");
        try (Store store = Store.open(file)) {
            store.allocateDomid();
        }

        try (Store store = Store.open(file)) {
            assertThat(store.allocateDomid()).isEqualTo(2);
        }
    }

    @Test
    void aDatabaseFromANewerVmhostIsRefusedAndLeftAlone() throws Exception {
        Path file = dir.resolve("xend.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE from_the_future (x INTEGER)");
            s.execute("PRAGMA user_version = " + (Schema.LATEST + 1));
        }

        assertThatThrownBy(() -> Store.open(file))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
                .hasMessage("database " + file + " has schema version " + (Schema.LATEST + 1)
                        + ", newer than this vmhost knows (" + Schema.LATEST + "): it was written by a newer vmhost");

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement();
             var rs = s.executeQuery("PRAGMA user_version")) {
            assertThat(rs.getInt(1)).isEqualTo(Schema.LATEST + 1);
        }
    }

    @Test
    void migrationsAreNumberedOneUpwardsWithoutGaps() {
        for (int i = 0; i < Schema.MIGRATIONS.size(); i++) {
            assertThat(Schema.MIGRATIONS.get(i).version()).isEqualTo(i + 1);
        }
    }
}
