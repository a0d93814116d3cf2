package org.vmhost.qemu;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.vmhost.qemu.qmp.FakeQmpServer;
import org.vmhost.qemu.qmp.QmpClient;
import org.vmhost.qemu.qmp.QmpException;

/**
 * A {@link QemuLauncher} whose QEMUs are scripts: each "QEMU" is a {@link FakeQmpServer} on the launch's QMP
 * socket and a listener on its console socket, with no process at all. It answers QMP as QEMU does
 * (query-status, stop, cont, system_powerdown, system_reset, quit, with their events; query-hotpluggable-cpus,
 * device_add and device_del of a CPU on the pc machine, with a guest that ejects a CPU only while it runs) and lets a test make
 * the guest power off, reboot or panic, make QEMU crash, fail a start, or fail any command.
 *
 * <pre>{@code
 * FakeQemuLauncher qemu = new FakeQemuLauncher();
 * qemu.failCommand("cont", "GenericError", "no cont today");   // the next start fails at its last step
 * service = new LocalDomainService(home, store, host, configs, network, qemu);
 * ...
 * qemu.latest().guestPowersOff();                               // SHUTDOWN (guest-shutdown), as QEMU sends it
 * }</pre>
 */
public final class FakeQemuLauncher implements QemuLauncher {
    private final AtomicLong nextPid = new AtomicLong(3_900_000);
    private final Map<Long, FakeQemu> running = new ConcurrentHashMap<>();
    private final Map<String, String[]> failing = new ConcurrentHashMap<>();
    private final List<FakeQemu> started = new CopyOnWriteArrayList<>();
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private final List<Long> killed = new CopyOnWriteArrayList<>();
    private volatile String startFailure;
    private volatile java.util.concurrent.CountDownLatch attachHeld;

    /** Every later attach (a re-attach by a new xend) waits until {@code gate} opens: a slow QMP handshake. */
    public void holdAttach(java.util.concurrent.CountDownLatch gate) {
        attachHeld = gate;
    }

    /** The next start fails as QEMU does when it rejects its command line, with these last words. */
    public void failStart(String lastWords) {
        startFailure = lastWords;
    }

    /** Every later {@code command} is answered with a QMP error, until {@link #heal}. */
    public void failCommand(String command, String errorClass, String description) {
        failing.put(command, new String[] {errorClass, description});
    }

    public void heal(String command) {
        failing.remove(command);
    }

    /** Every QMP command any fake QEMU received, in order ({@code qmp_capabilities} left out). */
    public List<String> commands() {
        return List.copyOf(commands);
    }

    /** The pids that {@link #kill} found running and killed. */
    public List<Long> killed() {
        return List.copyOf(killed);
    }

    /** The QEMUs that run now. */
    public List<FakeQemu> running() {
        return List.copyOf(running.values());
    }

    /** How many QEMUs were started, those that ended too. */
    public int startCount() {
        return started.size();
    }

    /** The QEMU started last. */
    public FakeQemu latest() {
        if (started.isEmpty()) throw new IllegalStateException("no QEMU was started");
        return started.get(started.size() - 1);
    }

    @Override
    public Qemu start(QemuLaunch launch, Duration timeout, LongConsumer spawned) throws QemuProcessException, InterruptedException {
        String failure = startFailure;
        if (failure != null) {
            startFailure = null;
            try {
                Files.writeString(launch.processLog(), failure + "\n");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            throw new QemuProcessException(QemuProcessException.Reason.START_FAILED, "QEMU exited at once: " + failure, null);
        }
        long pid = nextPid.incrementAndGet();
        spawned.accept(pid);
        FakeQemu qemu = new FakeQemu(new QemuHandle(pid, 1, launch.qmpSocket(), launch.serialLog(), launch.processLog(),
                launch.sockets()), launch.argv());
        try {
            qemu.serve();
            qemu.connect(timeout);
        } catch (IOException e) {
            qemu.end(new QemuExit.Crashed(OptionalInt.empty(), "fake start failed"));
            throw new QemuProcessException(QemuProcessException.Reason.START_FAILED, e.toString(), e);
        }
        running.put(pid, qemu);
        started.add(qemu);
        return qemu;
    }

    @Override
    public Qemu attach(QemuHandle handle, Duration timeout) throws QemuProcessException, InterruptedException {
        java.util.concurrent.CountDownLatch gate = attachHeld;
        if (gate != null && !gate.await(30, java.util.concurrent.TimeUnit.SECONDS)) throw new AssertionError("attach held too long");
        FakeQemu qemu = running.get(handle.pid());
        if (qemu == null) throw new QemuProcessException(QemuProcessException.Reason.GONE, "pid " + handle.pid() + " is not running", null);
        if (qemu.unreachable) {
            throw new QemuProcessException(QemuProcessException.Reason.QMP_UNREACHABLE, "QEMU pid " + handle.pid()
                    + " runs but its QMP monitor does not answer", null);
        }
        try {
            qemu.connect(timeout);
        } catch (IOException e) {
            throw new QemuProcessException(QemuProcessException.Reason.QMP_UNREACHABLE, e.toString(), e);
        }
        return qemu;
    }

    @Override
    public void kill(QemuHandle handle) {
        FakeQemu qemu = running.get(handle.pid());
        if (qemu == null) return;
        killed.add(handle.pid());
        qemu.end(new QemuExit.Killed());
    }

    @Override
    public boolean isRunning(QemuHandle handle) {
        return running.containsKey(handle.pid());
    }

    /** One scripted QEMU. Its QMP server is made anew after a detach, so that the next xend can attach. */
    public final class FakeQemu implements Qemu {
        private final QemuHandle handle;
        private final List<String> argv;
        private final ConcurrentLinkedQueue<String[]> outbox = new ConcurrentLinkedQueue<>();
        private volatile FakeQmpServer server;
        private volatile ServerSocketChannel console;
        private final List<SocketChannel> consoleClients = new CopyOnWriteArrayList<>();
        private volatile QmpClient client;
        private volatile CompletableFuture<QemuExit> exit = new CompletableFuture<>();
        private volatile String status = "prelaunch";
        private volatile boolean ended;
        /** Set by a test: a later attach finds QEMU running but its QMP silent. */
        public volatile boolean unreachable;

        /** The CPU slots of a pc machine ({@code -smp N,maxcpus=M}: M slots, the first N filled); 0 on microvm. */
        private final int cpuSlots;
        /** The CPUs it started with ({@code -smp N}): their QOM paths are QEMU's own, not a device id. */
        private final int bootCpus;
        /** The slots that hold a CPU: device_add fills one; device_del empties it if the guest runs to eject it. */
        private final java.util.BitSet cpus = new java.util.BitSet();

        FakeQemu(QemuHandle handle, List<String> argv) {
            this.handle = handle;
            this.argv = List.copyOf(argv);
            int m = argv.indexOf("-machine"), smp = argv.indexOf("-smp");
            boolean pc = m >= 0 && m + 1 < argv.size() && argv.get(m + 1).startsWith("pc");
            int n = 1, max = 1;
            if (smp >= 0 && smp + 1 < argv.size()) {
                String[] f = argv.get(smp + 1).split(",");
                n = max = Integer.parseInt(f[0]);
                for (String o : f) if (o.startsWith("maxcpus=")) max = Integer.parseInt(o.substring(8));
            }
            cpuSlots = pc ? max : 0;
            bootCpus = n;
            cpus.set(0, n);
        }

        /** What query-hotpluggable-cpus answers: one entry per slot, in QEMU's order (the last slot first). */
        private List<Map<String, Object>> hotpluggableCpus() {
            List<Map<String, Object>> out = new ArrayList<>();
            for (int i = cpuSlots - 1; i >= 0; i--) {
                Map<String, Object> e = new java.util.LinkedHashMap<>();
                e.put("type", "qemu64-x86_64-cpu");
                e.put("vcpus-count", 1);
                e.put("props", Map.of("socket-id", i, "core-id", 0, "thread-id", 0));
                if (cpus.get(i)) e.put("qom-path", cpuPath(i));
                out.add(e);
            }
            return out;
        }

        private String cpuPath(int slot) {
            return slot < bootCpus ? "/machine/unattached/device[" + slot + "]" : "/machine/peripheral/vcpu" + slot;
        }

        /** The command line the service built. */
        public List<String> argv() {
            return argv;
        }

        /** QEMU's run state, as query-status reports it. */
        public String status() {
            return status;
        }

        /** The guest powers off: with -no-shutdown QEMU stops and reports SHUTDOWN (guest-shutdown). */
        public void guestPowersOff() {
            status = "shutdown";
            send("SHUTDOWN", "{\"guest\": true, \"reason\": \"guest-shutdown\"}");
            send("STOP", "{}");
        }

        /** The guest reboots while -action reboot=shutdown is in force: SHUTDOWN (guest-reset). */
        public void guestReboots() {
            status = "shutdown";
            send("SHUTDOWN", "{\"guest\": true, \"reason\": \"guest-reset\"}");
            send("STOP", "{}");
        }

        /** The guest panics; with -action panic=pause QEMU waits in guest-panicked. */
        public void guestPanics() {
            status = "guest-panicked";
            send("GUEST_PANICKED", "{\"action\": \"pause\"}");
        }

        /** QEMU dies by itself (a segfault): QMP hangs up and the process is gone. */
        public void crash() {
            end(new QemuExit.Crashed(OptionalInt.of(139), "Segmentation fault"));
        }

        /** While no xend watches: the guest powered off (xend finds QEMU in state shutdown). */
        public void poweredOffWhileAway() {
            status = "shutdown";
        }

        /** While no xend watches: QEMU's outgoing migration completed (it waits in postmigrate, its vCPUs stopped). */
        public void migratedAwayWhileAway() {
            status = "postmigrate";
        }

        /** While no xend watches: QEMU is gone, and nobody heard it go. */
        public void vanish() {
            running.remove(handle.pid());
            ended = true;
            closeQuietly();
        }

        public boolean ended() {
            return ended;
        }

        @Override
        public QemuHandle handle() {
            return handle;
        }

        @Override
        public QmpClient qmp() {
            return client;
        }

        @Override
        public CompletableFuture<QemuExit> exit() {
            return exit.copy();
        }

        @Override
        public QemuExit terminate(Duration quitTimeout, Duration termTimeout) {
            if (!ended) {
                commands.add("quit");
                end(new QemuExit.Shutdown(QemuExit.Cause.HOST_QMP_QUIT, false));
            }
            return exit.join();
        }

        @Override
        public void detach() {
            QmpClient c = client;
            if (c != null) c.close();
            exit.cancel(false);
            exit = new CompletableFuture<>();
            try {
                FakeQmpServer old = server;
                if (old != null) old.close();
                server = FakeQmpServer.start(handle.qmpSocket().getParent(), this::play);
            } catch (IOException e) {
                throw new AssertionError(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void serve() throws IOException {
            if (!handle.qmpSocket().getFileName().toString().equals("qmp.sock")) {
                throw new IOException("the fake QMP server listens on <dir>/qmp.sock only: " + handle.qmpSocket());
            }
            server = FakeQmpServer.start(handle.qmpSocket().getParent(), this::play);
            for (Path socket : handle.sockets()) {
                ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                ch.bind(UnixDomainSocketAddress.of(socket));
                console = ch;
                Thread.ofVirtual().start(() -> {
                    try {
                        while (true) consoleClients.add(ch.accept());
                    } catch (IOException e) {
                        // closed: QEMU ended
                    }
                });
            }
        }

        void connect(Duration timeout) throws InterruptedException, IOException {
            client = QmpClient.connect(handle.qmpSocket(), timeout);
        }

        private void send(String event, String json) {
            outbox.add(new String[] {event, json});
        }

        /** The QMP side: answers commands as QEMU does, and sends the events a test queued. */
        private void play(FakeQmpServer.Peer peer) throws Exception {
            peer.handshake();
            while (!ended && !peer.clientGone()) {
                for (String[] e; (e = outbox.poll()) != null; ) {
                    peer.send("{\"event\": \"" + e[0] + "\", \"data\": " + e[1]
                            + ", \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\n");
                }
                Optional<FakeQmpServer.Command> next;
                try {
                    next = peer.poll(Duration.ofMillis(20));
                } catch (IOException e) {
                    return;
                }
                if (next.isEmpty()) continue;
                FakeQmpServer.Command c = next.get();
                commands.add(c.name());
                String[] error = failing.get(c.name());
                if (error != null) {
                    peer.error(c, error[0], error[1]);
                    continue;
                }
                switch (c.name()) {
                    case "query-status" -> peer.reply(c, Map.of("status", status, "running", status.equals("running"),
                            "singlestep", false));
                    case "stop" -> {
                        status = "paused";
                        peer.reply(c);
                        peer.event("STOP", Map.of());
                    }
                    case "cont" -> {
                        status = "running";
                        peer.reply(c);
                        peer.event("RESUME", Map.of());
                    }
                    case "system_reset" -> {
                        peer.reply(c);
                        peer.event("RESET", Map.of("guest", false, "reason", "host-qmp-system-reset"));
                    }
                    case "query-hotpluggable-cpus" -> {
                        if (cpuSlots == 0) peer.error(c, "GenericError", "The feature 'query-hotpluggable-cpus' is not enabled");
                        else peer.reply(c, hotpluggableCpus());
                    }
                    case "device_add" -> {
                        if (c.arguments().path("driver").asText().endsWith("-cpu")) cpus.set(c.arguments().path("socket-id").asInt());
                        peer.reply(c);
                    }
                    case "device_del" -> {
                        // A real guest ejects the CPU only while its vCPUs run.
                        for (int i = 0; i < cpuSlots; i++) {
                            if (cpus.get(i) && cpuPath(i).equals(c.arguments().path("id").asText()) && status.equals("running")) cpus.clear(i);
                        }
                        peer.reply(c);
                    }
                    case "quit" -> {
                        peer.reply(c);
                        Thread.ofVirtual().start(() -> end(new QemuExit.Shutdown(QemuExit.Cause.HOST_QMP_QUIT, false)));
                    }
                    default -> peer.reply(c);
                }
            }
        }

        /** QEMU is gone: its sockets close, and {@link #exit()} says how. */
        synchronized void end(QemuExit how) {
            if (ended && exit.isDone()) return;
            ended = true;
            running.remove(handle.pid());
            closeQuietly();
            exit.complete(how);
        }

        private void closeQuietly() {
            try {
                QmpClient c = client;
                if (c != null) c.close();
                FakeQmpServer s = server;
                if (s != null) s.close();
                ServerSocketChannel ch = console;
                if (ch != null) ch.close();
                for (SocketChannel client : consoleClients) client.close();
                for (Path socket : handle.sockets()) Files.deleteIfExists(socket);
            } catch (IOException e) {
                throw new AssertionError(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Every QEMU still running, for a test's clean-up. */
    public void endAll() {
        for (FakeQemu q : new ArrayList<>(running.values())) q.end(new QemuExit.Killed());
    }
}
