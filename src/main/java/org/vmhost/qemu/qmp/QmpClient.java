package org.vmhost.qemu.qmp;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.vmhost.json.JsonBinding;
import org.vmhost.json.JsonObject;
import org.vmhost.json.JsonValue;

/**
 * A connection to one QEMU's QMP monitor: typed calls for what vmhost uses often, and
 * {@link #execute(String, JsonObject)} for everything else ({@code blockdev-add}, {@code device_add},
 * {@code eject}, {@code block_resize}, ...). Safe for concurrent callers; each call waits at most the
 * client's timeout unless given its own.
 *
 * <pre>{@code
 * try (QmpClient qmp = QmpClient.connect(socket, Duration.ofSeconds(5), event -> log(event))) {
 *     qmp.stop();
 *     QmpStatus status = qmp.queryStatus();   // paused, running=false
 * }
 * }</pre>
 */
public final class QmpClient implements AutoCloseable {
    private final QmpConnection connection;
    private final Duration timeout;

    private QmpClient(QmpConnection connection, Duration timeout) {
        this.connection = connection;
        this.timeout = timeout;
    }

    /** Connects and negotiates capabilities; {@code timeout} bounds that and is every call's default. */
    public static QmpClient connect(Path socket, Duration timeout) throws QmpException, InterruptedException {
        return connect(socket, timeout, null);
    }

    /**
     * Connects with a listener that sees every event from the first one on (later listeners may miss
     * early events). Listeners run on one thread, in arrival order, and may call this client.
     */
    public static QmpClient connect(Path socket, Duration timeout, Consumer<? super QmpEvent> listener)
            throws QmpException, InterruptedException {
        Objects.requireNonNull(socket, "socket");
        requirePositive(timeout);
        return new QmpClient(QmpConnection.open(socket, timeout, listener), timeout);
    }

    public Path socket() {
        return connection.path();
    }

    /** Pauses the guest's vCPUs. */
    public void stop() throws QmpException, InterruptedException {
        execute("stop");
    }

    /** Resumes the guest's vCPUs. */
    public void cont() throws QmpException, InterruptedException {
        execute("cont");
    }

    /** Presses the ACPI power button; the guest decides whether to power off. */
    public void systemPowerdown() throws QmpException, InterruptedException {
        execute("system_powerdown");
    }

    /** Adds a device ({@code device_add}); the arguments come from the qemu package's builders. */
    public void deviceAdd(Map<String, ?> args) throws QmpException, InterruptedException {
        execute("device_add", args);
    }

    public void deviceAdd(JsonObject args) throws QmpException, InterruptedException {
        execute("device_add", args);
    }

    /** Asks the guest to release a device ({@code device_del}); it goes once the guest lets go. */
    public void deviceDel(String id) throws QmpException, InterruptedException {
        execute("device_del", Map.of("id", id));
    }

    public void deviceDel(JsonObject args) throws QmpException, InterruptedException {
        execute("device_del", args);
    }

    /** The ids of the machine's user-created devices ({@code qom-list /machine/peripheral}). */
    public java.util.List<String> peripherals() throws QmpException, InterruptedException {
        java.util.List<String> ids = new java.util.ArrayList<>();
        for (JsonValue n : execute("qom-list", Map.of("path", "/machine/peripheral"))) ids.add(n.path("name").asText());
        return ids;
    }

    public void netdevAdd(Map<String, ?> args) throws QmpException, InterruptedException {
        execute("netdev_add", args);
    }

    public void netdevDel(String id) throws QmpException, InterruptedException {
        execute("netdev_del", Map.of("id", id));
    }

    public void blockdevAdd(JsonObject args) throws QmpException, InterruptedException {
        execute("blockdev-add", args);
    }

    public void blockdevDel(JsonObject args) throws QmpException, InterruptedException {
        execute("blockdev-del", args);
    }

    /** Opens a drive's tray, then takes its medium out, as an eject does. */
    public void ejectMedium(JsonObject openTray, JsonObject removeMedium) throws QmpException, InterruptedException {
        execute("blockdev-open-tray", openTray);
        execute("blockdev-remove-medium", removeMedium);
    }

    /** Puts a medium (a node already added) into a drive and closes its tray. */
    public void insertMedium(JsonObject insert, JsonObject closeTray) throws QmpException, InterruptedException {
        execute("blockdev-insert-medium", insert);
        execute("blockdev-close-tray", closeTray);
    }

    /** Sets the password a VNC client must give. */
    public void changeVncPassword(String password) throws QmpException, InterruptedException {
        execute("change-vnc-password", Map.of("password", password));
    }

    /** Resets the machine, like the reset button. */
    public void systemReset() throws QmpException, InterruptedException {
        execute("system_reset");
    }

    /**
     * Asks QEMU to exit. QEMU may close the socket before its reply arrives; that counts as done.
     */
    public void quit() throws QmpException, InterruptedException {
        try {
            execute("quit");
        } catch (QmpConnectionException e) {
            if (e.reason() != QmpConnectionException.Reason.CLOSED_BY_PEER) throw e;
        }
    }

    /** The run state, from {@code query-status}. */
    public QmpStatus queryStatus() throws QmpException, InterruptedException {
        JsonValue value = execute("query-status");
        try {
            return QmpStatus.fromJson(value);
        } catch (IllegalArgumentException e) {
            connection.abort("malformed answer to query-status: " + value);
            throw new QmpConnectionException(socket(), "query-status",
                    QmpConnectionException.Reason.PROTOCOL_ERROR, e.getMessage(), null);
        }
    }

    /**
     * Starts an outgoing migration to {@code uri} ({@code unix:PATH}, {@code tcp:HOST:PORT}, {@code fd:NAME});
     * QEMU answers at once and the migration runs on: follow it with {@link #queryMigrate()} or the
     * {@code MIGRATION} event.
     */
    public void migrate(String uri) throws QmpException, InterruptedException {
        execute("migrate", Map.of("uri", Objects.requireNonNull(uri, "uri")));
    }

    /** Where the current (or last) migration stands, outgoing or incoming. */
    public QmpMigration queryMigrate() throws QmpException, InterruptedException {
        return QmpMigration.fromJson(execute("query-migrate"));
    }

    /** Cancels an outgoing migration; the source guest stays as it was. */
    public void migrateCancel() throws QmpException, InterruptedException {
        execute("migrate_cancel");
    }

    /**
     * Makes a QEMU started with {@code -incoming defer} wait for the stream at {@code uri}
     * ({@code unix:PATH} listens there); the guest stays paused (with {@code -S}) until {@link #cont()}.
     */
    public void migrateIncoming(String uri) throws QmpException, InterruptedException {
        execute("migrate-incoming", Map.of("uri", Objects.requireNonNull(uri, "uri")));
    }

    /** Turns migration capabilities on or off ({@code events}, {@code xbzrle}, {@code auto-converge}, ...). */
    public void migrateSetCapabilities(Map<String, Boolean> capabilities) throws QmpException, InterruptedException {
        java.util.List<Map<String, Object>> list = new java.util.ArrayList<>();
        capabilities.forEach((name, on) -> list.add(Map.of("capability", name, "state", on)));
        execute("migrate-set-capabilities", Map.of("capabilities", list));
    }

    /** Sets migration parameters ({@code max-bandwidth} in bytes/s, {@code downtime-limit} in ms, ...). */
    public void migrateSetParameters(Map<String, ?> parameters) throws QmpException, InterruptedException {
        execute("migrate-set-parameters", parameters);
    }

    /** QEMU's version as {@code MAJOR.MINOR.MICRO} plus its package string, e.g. {@code 7.2.22 (Debian ...)}. */
    public String queryVersion() throws QmpException, InterruptedException {
        JsonValue v = execute("query-version");
        JsonValue q = v.path("qemu");
        String pkg = v.path("package").asText("").strip();
        return q.path("major").asInt() + "." + q.path("minor").asInt() + "." + q.path("micro").asInt()
                + (pkg.isEmpty() ? "" : " " + pkg);
    }

    /** Runs a command without arguments; returns its {@code return} value. */
    public JsonValue execute(String command) throws QmpException, InterruptedException {
        return connection.execute(command, null, timeout);
    }

    /** Runs a command; {@code args} values are converted to JSON as {@link JsonBinding#toTree} converts them. */
    public JsonValue execute(String command, Map<String, ?> args) throws QmpException, InterruptedException {
        Objects.requireNonNull(args, "args");
        return connection.execute(command, (JsonObject) JsonBinding.toTree(args), timeout);
    }

    /** Runs a command with its {@code arguments} object; returns its {@code return} value. */
    public JsonValue execute(String command, JsonObject args) throws QmpException, InterruptedException {
        return execute(command, args, timeout);
    }

    /** As {@link #execute(String, JsonObject)}, for commands that take longer than the default. */
    public JsonValue execute(String command, JsonObject args, Duration timeout) throws QmpException, InterruptedException {
        requirePositive(timeout);
        return connection.execute(command, args == null ? null : args.deepCopy(), timeout);
    }

    /**
     * Adds a listener for events from now on. Listeners run on the client's event thread in arrival
     * order; one that throws is logged and the others still run.
     */
    public Subscription subscribe(Consumer<? super QmpEvent> listener) {
        connection.addListener(listener);
        return () -> connection.removeListener(listener);
    }

    /**
     * Completes once the connection has ended (for any reason) and every event received before the end
     * has been delivered. Completing the returned future yourself has no effect on the client.
     */
    public CompletableFuture<Void> closed() {
        return connection.closed().copy();
    }

    public boolean isOpen() {
        return connection.isOpen();
    }

    /** Closes the connection; pending calls fail with {@link QmpConnectionException.Reason#CLOSED_BY_CLIENT}. */
    @Override
    public void close() {
        connection.close();
    }

    /** Stops a listener added with {@link #subscribe}. */
    @FunctionalInterface
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private static void requirePositive(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
    }
}
