package org.vmhost.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;
import org.vmhost.event.DomainEvent;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * One transaction of a {@link Store}: every write made through it commits together when the work given
 * to {@link Store#transaction} returns, or none does if it throws. Valid only inside that work and on
 * its thread.
 */
public final class Tx {
    private final Connection connection;
    private final Path file;
    private final EventRetention retention;
    private final Thread owner = Thread.currentThread();
    private boolean ended;
    private boolean appendedEvent;

    Tx(Connection connection, Path file, EventRetention retention) {
        this.connection = connection;
        this.file = file;
        this.retention = retention;
    }

    /**
     * Inserts the definition, or updates the one with its UUID (which renames it if the name changed).
     * Fails with DOMAIN_EXISTS if another domain has its name.
     */
    public void saveDefinition(DomainDefinition definition) {
        requireActive();
        // An upsert, not INSERT OR REPLACE: replacing deletes the row first, and the delete would
        // cascade to the domain's status.
        String sql = """
                INSERT INTO domain (uuid, name, config_text, source_name, managed, autostart, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (uuid) DO UPDATE SET
                    name = excluded.name, config_text = excluded.config_text,
                    source_name = excluded.source_name, managed = excluded.managed,
                    autostart = excluded.autostart, created_at = excluded.created_at""";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, definition.uuid());
            ps.setString(2, definition.name());
            ps.setString(3, definition.configText());
            ps.setString(4, definition.sourceName());
            ps.setInt(5, definition.managed() ? 1 : 0);
            ps.setInt(6, definition.autostart() ? 1 : 0);
            ps.setString(7, definition.createdAt().toString());
            ps.executeUpdate();
        } catch (SQLException e) {
            if (isUniqueName(e)) throw domainExists(definition.name());
            throw Store.failure(file, "saving domain '" + definition.name() + "'", e);
        }
    }

    /**
     * Renames a domain. Only the name column changes: rewriting the name inside the configuration text
     * is the caller's, by {@link #saveDefinition} in the same transaction if it wants both.
     */
    public void rename(String uuid, String newName) {
        requireActive();
        DomainDefinition.requireName(newName);
        try (PreparedStatement ps = connection.prepareStatement("UPDATE domain SET name = ? WHERE uuid = ?")) {
            ps.setString(1, newName);
            ps.setString(2, uuid);
            if (ps.executeUpdate() == 0) throw VmhostException.noSuchDomain(uuid);
        } catch (SQLException e) {
            if (isUniqueName(e)) throw domainExists(newName);
            throw Store.failure(file, "renaming domain " + uuid, e);
        }
    }

    /** Deletes a definition and, with it, its status. Returns whether it existed. */
    public boolean deleteDefinition(String uuid) {
        requireActive();
        return update("deleting domain " + uuid, "DELETE FROM domain WHERE uuid = ?", uuid) > 0;
    }

    public Optional<DomainDefinition> findDefinitionByUuid(String uuid) {
        requireActive();
        return definitionsWhere("uuid = ?", uuid).stream().findFirst();
    }

    public Optional<DomainDefinition> findDefinitionByName(String name) {
        requireActive();
        return definitionsWhere("name = ?", name).stream().findFirst();
    }

    /** Inserts or replaces the status of a running domain. Fails with NO_SUCH_DOMAIN if it has no definition. */
    public void saveStatus(DomainStatus status) {
        requireActive();
        // An upsert, not INSERT OR REPLACE, which would silently delete another domain's row holding
        // the same domid instead of failing.
        String sql = """
                INSERT INTO domain_status (uuid, domid, pid, pid_start_time, qmp_socket,
                    console_socket, console_log, state, started_at, runtime_json)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (uuid) DO UPDATE SET
                    domid = excluded.domid, pid = excluded.pid, pid_start_time = excluded.pid_start_time,
                    qmp_socket = excluded.qmp_socket, console_socket = excluded.console_socket,
                    console_log = excluded.console_log, state = excluded.state,
                    started_at = excluded.started_at, runtime_json = excluded.runtime_json""";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, status.uuid());
            ps.setInt(2, status.domid());
            ps.setLong(3, status.pid());
            ps.setLong(4, status.pidStartTime());
            ps.setString(5, status.qmpSocket());
            ps.setString(6, status.consoleSocket());
            ps.setString(7, status.consoleLog());
            ps.setString(8, status.state());
            ps.setString(9, status.startedAt().toString());
            ps.setString(10, status.runtimeJson());
            ps.executeUpdate();
        } catch (SQLException e) {
            if (resultCode(e) == SQLiteErrorCode.SQLITE_CONSTRAINT_FOREIGNKEY)
                throw VmhostException.noSuchDomain(status.uuid());
            throw Store.failure(file, "saving the status of domain " + status.uuid(), e);
        }
    }

    /** Deletes a domain's status, as it stops. Returns whether there was one. */
    public boolean deleteStatus(String uuid) {
        requireActive();
        return update("deleting the status of domain " + uuid, "DELETE FROM domain_status WHERE uuid = ?", uuid) > 0;
    }

    /** The next domain id: 1, 2, 3 …, never one handed out before in this database's life. */
    public int allocateDomid() {
        requireActive();
        update("allocating a domain id", "UPDATE domid_counter SET last = last + 1");
        try (PreparedStatement ps = connection.prepareStatement("SELECT last FROM domid_counter");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw Store.failure(file, "allocating a domain id", e);
        }
    }

    /**
     * Appends an event, and prunes the log in this same transaction: only the newest
     * {@link EventRetention#maxEvents} stay, and none more than {@link EventRetention#maxAge} older than this one
     * (compared to the second).
     */
    public void appendEvent(Instant time, String domain, String kind, String message) {
        requireActive();
        DomainEvent event = DomainEvent.of(time, domain, kind, message);
        appendedEvent = true;
        update("appending an event", "INSERT INTO event (time, domain, kind, message) VALUES (?, ?, ?, ?)",
                event.time().toString(), event.domain(), event.kind(), event.message());
        // Ids grow by one per insert and only the oldest are ever deleted: a range on the primary key.
        update("pruning events", "DELETE FROM event WHERE id <= (SELECT max(id) FROM event) - ?", retention.maxEvents());
        // Times are ISO-8601 instants in UTC, which sort as text to the second.
        String cutoff = time.minus(retention.maxAge()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        update("pruning events", "DELETE FROM event WHERE time < ?", cutoff);
    }

    List<DomainDefinition> definitions() {
        requireActive();
        return definitionsWhere("1 = 1");
    }

    List<DomainStatus> statuses() {
        requireActive();
        String sql = """
                SELECT uuid, domid, pid, pid_start_time, qmp_socket, console_socket, console_log, state,
                       started_at, runtime_json
                FROM domain_status ORDER BY domid""";
        try (PreparedStatement ps = connection.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            List<DomainStatus> result = new ArrayList<>();
            while (rs.next()) {
                result.add(new DomainStatus(rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getLong(4),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                        Instant.parse(rs.getString(9)), rs.getString(10)));
            }
            return result;
        } catch (SQLException e) {
            throw Store.failure(file, "reading domain statuses", e);
        }
    }

    List<DomainEvent> events(int limit) {
        requireActive();
        if (limit < 0) throw new IllegalArgumentException("negative event limit: " + limit);
        String sql = """
                SELECT time, domain, kind, message
                FROM (SELECT * FROM event ORDER BY id DESC LIMIT ?) ORDER BY id""";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                List<DomainEvent> result = new ArrayList<>();
                while (rs.next()) {
                    result.add(DomainEvent.of(Instant.parse(rs.getString(1)), rs.getString(2),
                            rs.getString(3), rs.getString(4)));
                }
                return result;
            }
        } catch (SQLException e) {
            throw Store.failure(file, "reading events", e);
        }
    }

    int pruneEvents(int keep) {
        requireActive();
        if (keep < 0) throw new IllegalArgumentException("negative number of events to keep: " + keep);
        return update("pruning events",
                "DELETE FROM event WHERE id NOT IN (SELECT id FROM event ORDER BY id DESC LIMIT ?)", keep);
    }

    /** Whether this transaction appended an event: the store wakes its event waiters once it commits. */
    boolean appendedEvent() {
        return appendedEvent;
    }

    void end() {
        ended = true;
    }

    private void requireActive() {
        if (ended) throw new IllegalStateException("the transaction has ended");
        if (Thread.currentThread() != owner)
            throw new IllegalStateException("a transaction is used on another thread than its own");
    }

    private List<DomainDefinition> definitionsWhere(String condition, Object... args) {
        String sql = "SELECT uuid, name, config_text, source_name, managed, autostart, created_at FROM domain WHERE "
                + condition + " ORDER BY name";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                List<DomainDefinition> result = new ArrayList<>();
                while (rs.next()) {
                    result.add(new DomainDefinition(rs.getString(1), rs.getString(2), rs.getString(3),
                            rs.getString(4), rs.getInt(5) != 0, rs.getInt(6) != 0, Instant.parse(rs.getString(7))));
                }
                return result;
            }
        } catch (SQLException e) {
            throw Store.failure(file, "reading domain definitions", e);
        }
    }

    private int update(String action, String sql, Object... args) {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw Store.failure(file, action, e);
        }
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
    }

    private static boolean isUniqueName(SQLException e) {
        return resultCode(e) == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
                && String.valueOf(e.getMessage()).contains("domain.name");
    }

    private static SQLiteErrorCode resultCode(SQLException e) {
        return e instanceof SQLiteException s ? s.getResultCode() : null;
    }

    private static VmhostException domainExists(String name) {
        return new VmhostException(ErrorCode.DOMAIN_EXISTS, "domain '" + name + "' already exists");
    }
}
