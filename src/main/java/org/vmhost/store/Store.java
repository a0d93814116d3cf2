package org.vmhost.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.vmhost.event.DomainEvent;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * xend's database: domain definitions, the status of running domains, domain ids and the event log, in
 * one SQLite file. Every method that writes has committed durably when it returns. Thread-safe.
 *
 * <p>Failures are {@link VmhostException}s: DOMAIN_EXISTS for a name in use, NO_SUCH_DOMAIN for a UUID
 * that is not stored, INTERNAL, naming the file, for anything else the database reports.
 */
public final class Store implements AutoCloseable {
    private static final int BUSY_TIMEOUT_MILLIS = 5_000;

    private final Path file;
    // One connection behind one lock. SQLite admits one writer at a time whatever we do, xend writes a
    // few rows per lifecycle operation, and reads are point lookups: a pool would add SQLITE_BUSY
    // retries between our own threads and buy nothing. A ReentrantLock, not synchronized, so that
    // virtual threads waiting for it do not pin their carrier on Java 21.
    private final ReentrantLock lock = new ReentrantLock();
    private final Connection connection;
    private final EventRetention retention;
    private boolean closed;
    // Events committed since the store opened, and the waiters for the next one: the web GUI's event stream
    // sleeps on it rather than polling the log. A lock of its own, so waiting never holds the database's.
    private final ReentrantLock appendedLock = new ReentrantLock();
    private final java.util.concurrent.locks.Condition appendedSignal = appendedLock.newCondition();
    private long appended;

    private Store(Path file, Connection connection, EventRetention retention) {
        this.file = file;
        this.connection = connection;
        this.retention = retention;
    }

    /**
     * Opens the database at {@code file}, creating it if absent (its directory must exist), and brings
     * its schema up to date. Refuses a database written by a newer vmhost. The event log keeps
     * {@link EventRetention#DEFAULT}.
     */
    public static Store open(Path file) {
        return open(file, EventRetention.DEFAULT);
    }

    /** As {@link #open(Path)}, keeping as much of the event log as {@code retention} says. */
    public static Store open(Path file, EventRetention retention) {
        Objects.requireNonNull(retention, "retention");
        Path path = Objects.requireNonNull(file, "file").toAbsolutePath();
        createPrivately(path);
        Connection connection;
        try {
            connection = DriverManager.getConnection("jdbc:sqlite:" + path);
        } catch (SQLException e) {
            throw failure(path, "opening", e);
        }
        try {
            configure(connection, path);
            Schema.migrate(connection, path);
            return new Store(path, connection, retention);
        } catch (RuntimeException e) {
            try {
                connection.close();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Runs {@code work} in one transaction: all its writes commit together when it returns, and none
     * does if it throws (the exception then propagates unchanged). Store methods must not be called from
     * inside it: use the {@link Tx}.
     */
    public void transaction(Consumer<Tx> work) {
        Objects.requireNonNull(work, "work");
        transactionWithResult(tx -> {
            work.accept(tx);
            return null;
        });
    }

    /** As {@link #transaction}, returning what {@code work} returns once it has committed. */
    public <T> T transactionWithResult(Function<Tx, T> work) {
        Objects.requireNonNull(work, "work");
        enter();
        try (Statement statement = connection.createStatement()) {
            // IMMEDIATE: take the write lock at the start, so a read-then-write cannot fail halfway
            // with SQLITE_BUSY should another process (an admin's sqlite3) hold it.
            statement.execute("BEGIN IMMEDIATE");
            Tx tx = new Tx(connection, file, retention);
            try {
                T result = work.apply(tx);
                statement.execute("COMMIT");
                if (tx.appendedEvent()) signalAppended();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollback(statement, e);
                throw e;
            } finally {
                tx.end();
            }
        } catch (SQLException e) {
            throw failure(file, "transaction", e);
        } finally {
            lock.unlock();
        }
    }

    /** Inserts the definition or updates the one with its UUID. DOMAIN_EXISTS if the name is another's. */
    public void saveDefinition(DomainDefinition definition) {
        Objects.requireNonNull(definition, "definition");
        transaction(tx -> tx.saveDefinition(definition));
    }

    /** Renames a domain; see {@link Tx#rename}. NO_SUCH_DOMAIN or DOMAIN_EXISTS. */
    public void rename(String uuid, String newName) {
        Objects.requireNonNull(uuid, "uuid");
        transaction(tx -> tx.rename(uuid, newName));
    }

    /** Deletes a definition and its status. Returns whether it existed. */
    public boolean deleteDefinition(String uuid) {
        Objects.requireNonNull(uuid, "uuid");
        return transactionWithResult(tx -> tx.deleteDefinition(uuid));
    }

    public Optional<DomainDefinition> findDefinitionByUuid(String uuid) {
        Objects.requireNonNull(uuid, "uuid");
        return read(tx -> tx.findDefinitionByUuid(uuid));
    }

    public Optional<DomainDefinition> findDefinitionByName(String name) {
        Objects.requireNonNull(name, "name");
        return read(tx -> tx.findDefinitionByName(name));
    }

    /** Every stored definition, managed and transient, by name. */
    public List<DomainDefinition> definitions() {
        return read(Tx::definitions);
    }

    /** Inserts or replaces a running domain's status. NO_SUCH_DOMAIN if it has no definition. */
    public void saveStatus(DomainStatus status) {
        Objects.requireNonNull(status, "status");
        transaction(tx -> tx.saveStatus(status));
    }

    /** Deletes a domain's status. Returns whether there was one. */
    public boolean deleteStatus(String uuid) {
        Objects.requireNonNull(uuid, "uuid");
        return transactionWithResult(tx -> tx.deleteStatus(uuid));
    }

    /** The status of every running domain, by domain id. */
    public List<DomainStatus> statuses() {
        return read(Tx::statuses);
    }

    /** The next domain id: 1, 2, 3 …, never one handed out before in this database's life. */
    public int allocateDomid() {
        return transactionWithResult(Tx::allocateDomid);
    }

    /** Appends an event and, in the same transaction, prunes the log to the store's {@link EventRetention}. */
    public void appendEvent(Instant time, String domain, String kind, String message) {
        transaction(tx -> tx.appendEvent(time, domain, kind, message));
    }

    /** The newest {@code limit} events, oldest first. */
    public List<DomainEvent> events(int limit) {
        return read(tx -> tx.events(limit));
    }

    /**
     * Waits until an event is committed after the {@code seen}-th one of this store's life, or {@code timeout}
     * passes, and answers how many have been committed since the store opened (start with 0; an answer above
     * {@code seen} means the log has grown). Waiting holds no lock of the database's.
     */
    public long awaitEvents(long seen, java.time.Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        appendedLock.lock();
        try {
            while (appended <= seen && nanos > 0) nanos = appendedSignal.awaitNanos(nanos);
            return appended;
        } finally {
            appendedLock.unlock();
        }
    }

    /**
     * Wakes the {@link #awaitEvents} waiters without an event: the caller has a change the log does not hold (a
     * domain's state) that they should look at. Counts as one.
     */
    public void wake() {
        signalAppended();
    }

    private void signalAppended() {
        appendedLock.lock();
        try {
            appended++;
            appendedSignal.signalAll();
        } finally {
            appendedLock.unlock();
        }
    }

    /** Deletes all but the newest {@code keep} events. Returns how many went. */
    public int pruneEvents(int keep) {
        return transactionWithResult(tx -> tx.pruneEvents(keep));
    }

    /** Closes the database. Later calls fail with IllegalStateException; closing again does nothing. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            connection.close();
        } catch (SQLException e) {
            throw failure(file, "closing", e);
        } finally {
            lock.unlock();
        }
    }

    /** A PRAGMA's value on this store's connection, for tests of the durability settings. */
    String pragma(String name) {
        return read(tx -> {
            try (Statement statement = connection.createStatement();
                 ResultSet rs = statement.executeQuery("PRAGMA " + name)) {
                return rs.next() ? rs.getString(1) : null;
            } catch (SQLException e) {
                throw failure(file, "reading PRAGMA " + name, e);
            }
        });
    }

    static VmhostException failure(Path file, String action, SQLException e) {
        return new VmhostException(ErrorCode.INTERNAL, "database " + file + ": " + action + " failed: "
                + e.getMessage(), e);
    }

    /** Rolls back after {@code cause}; a failing rollback is attached to it rather than hiding it. */
    static void rollback(Statement statement, Throwable cause) {
        try {
            statement.execute("ROLLBACK");
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /** Reads without BEGIN: each read is one statement, which SQLite runs against one snapshot. */
    private <T> T read(Function<Tx, T> work) {
        enter();
        Tx tx = new Tx(connection, file, retention);
        try {
            return work.apply(tx);
        } finally {
            tx.end();
            lock.unlock();
        }
    }

    /** Takes the lock; on return the caller holds it and must unlock. */
    private void enter() {
        if (lock.isHeldByCurrentThread())
            throw new IllegalStateException("store " + file + " used inside its own transaction: use the Tx");
        lock.lock();
        if (closed) {
            lock.unlock();
            throw new IllegalStateException("store " + file + " is closed");
        }
    }

    private static void configure(Connection connection, Path file) {
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA busy_timeout = " + BUSY_TIMEOUT_MILLIS);
            // WAL: a commit is one append and one fsync of the log, and readers never block the writer.
            try (ResultSet rs = statement.executeQuery("PRAGMA journal_mode = WAL")) {
                String mode = rs.next() ? rs.getString(1) : null;
                if (!"wal".equalsIgnoreCase(mode)) {
                    throw new VmhostException(ErrorCode.INTERNAL, "database " + file
                            + ": cannot use a write-ahead log (journal mode stays " + mode + ")");
                }
            }
            // FULL, not WAL's usual NORMAL: NORMAL may lose the last commits on a power cut, and xend
            // acknowledges a change only once it is stored.
            statement.execute("PRAGMA synchronous = FULL");
            statement.execute("PRAGMA foreign_keys = ON");
        } catch (SQLException e) {
            throw failure(file, "configuring", e);
        }
    }

    // Created by us with mode 0600 before SQLite sees it: configurations may hold VNC passwords, and
    // SQLite gives its -wal and -shm files the mode of the database file.
    private static void createPrivately(Path file) {
        if (Files.exists(file)) return;
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            // another opener created it between our check and now: theirs is as good
        } catch (UnsupportedOperationException e) {
            createPlainly(file);
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.INTERNAL, "database " + file + ": cannot create it: " + e, e);
        }
    }

    private static void createPlainly(Path file) {
        try {
            Files.createFile(file);
        } catch (FileAlreadyExistsException e) {
            // as above
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.INTERNAL, "database " + file + ": cannot create it: " + e, e);
        }
    }
}
