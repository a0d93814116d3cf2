package org.vmhost.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * The schema as a list of migrations, each applied once, in its own transaction, when a store is opened.
 * The version lives in {@code PRAGMA user_version}, which is part of the database header and so
 * changes in the same commit as the migration. Never edit a migration that has shipped: add one.
 */
final class Schema {

    record Migration(int version, String description, List<String> statements) {}

    static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "domain definitions and the event log", List.of(
                    """
                    CREATE TABLE domain (
                        uuid        TEXT PRIMARY KEY NOT NULL,
                        name        TEXT NOT NULL UNIQUE,
                        config_text TEXT NOT NULL,
                        source_name TEXT,
                        managed     INTEGER NOT NULL CHECK (managed IN (0, 1)),
                        autostart   INTEGER NOT NULL CHECK (autostart IN (0, 1)),
                        created_at  TEXT NOT NULL
                    ) STRICT""",
                    """
                    CREATE TABLE event (
                        id      INTEGER PRIMARY KEY,
                        time    TEXT NOT NULL,
                        domain  TEXT NOT NULL,
                        kind    TEXT NOT NULL,
                        message TEXT NOT NULL
                    ) STRICT""")),
            new Migration(2, "runtime status of running domains and domain id allocation", List.of(
                    """
                    CREATE TABLE domain_status (
                        uuid           TEXT PRIMARY KEY NOT NULL REFERENCES domain (uuid) ON DELETE CASCADE,
                        domid          INTEGER NOT NULL UNIQUE CHECK (domid > 0),
                        pid            INTEGER NOT NULL,
                        pid_start_time INTEGER NOT NULL,
                        qmp_socket     TEXT NOT NULL,
                        console_socket TEXT,
                        console_log    TEXT,
                        state          TEXT NOT NULL,
                        started_at     TEXT NOT NULL,
                        runtime_json   TEXT NOT NULL
                    ) STRICT""",
                    """
                    CREATE TABLE domid_counter (
                        only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
                        last     INTEGER NOT NULL
                    ) STRICT""",
                    "INSERT INTO domid_counter (only_row, last) VALUES (1, 0)")));

    static final int LATEST = MIGRATIONS.getLast().version();

    private Schema() {}

    /** Brings the database to {@link #LATEST}, or refuses one written by a newer vmhost. */
    static void migrate(Connection connection, Path file) {
        int found = version(connection, file);
        if (found > LATEST) throw tooNew(file, found);
        for (Migration migration : MIGRATIONS) {
            if (migration.version() <= found) continue;
            apply(connection, file, migration);
        }
    }

    private static void apply(Connection connection, Path file, Migration migration) {
        try (Statement statement = connection.createStatement()) {
            // IMMEDIATE takes the write lock first, so a second process opening the same file waits
            // here and then sees the version this one wrote instead of migrating twice.
            statement.execute("BEGIN IMMEDIATE");
            try {
                int current = version(connection, file);
                if (current > LATEST) throw tooNew(file, current);
                if (current < migration.version()) {
                    for (String sql : migration.statements()) statement.execute(sql);
                    statement.execute("PRAGMA user_version = " + migration.version());
                }
                statement.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                Store.rollback(statement, e);
                throw e;
            }
        } catch (SQLException e) {
            throw Store.failure(file, "migration to schema version " + migration.version()
                    + " (" + migration.description() + ")", e);
        }
    }

    static int version(Connection connection, Path file) {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("PRAGMA user_version")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw Store.failure(file, "reading the schema version", e);
        }
    }

    private static VmhostException tooNew(Path file, int found) {
        return new VmhostException(ErrorCode.INTERNAL, "database " + file + " has schema version " + found
                + ", newer than this vmhost knows (" + LATEST + "): it was written by a newer vmhost");
    }
}
