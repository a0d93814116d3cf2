package org.vmhost.daemon;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import org.vmhost.domain.XendHome;

/**
 * {@code xend start|stop|restart|status}, and {@code xend run}, the daemon itself in the foreground.
 *
 * <p>{@code start} is bin/xend's own (docs/DEVELOPING.md): it runs {@code run} in a session of its own (setsid), so
 * that closing the terminal or a Ctrl-C there never reaches xend, and waits until its API answers. The forms bin/xend
 * leaves to picocli come back to it through {@link #start}.
 */
// scope = INHERIT: every subcommand gets -h/--help and -V/--version too.
@Command(name = "xend", mixinStandardHelpOptions = true, versionProvider = XendMain.Version.class,
        scope = CommandLine.ScopeType.INHERIT,
        description = {"The vmhost daemon: keeps domain configurations and runs domains in QEMU.",
                "Everything it writes lives under $VMHOST_HOME (default /var/lib/vmhost)."})
// The subcommands are added by commandLine(), only the one being run where it is named (as xm does).
public final class XendMain implements Callable<Integer> {
    static final String VERSION = "0.1.0";
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    public static void main(String[] args) {
        // First, as the JDK reads it once, when logging starts; here, as a method of XendLogManager would start
        // logging itself (its superclass's initialisation) before it could set it.
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", XendLogManager.class.getName());
        }
        Optional<PlainForm> plain = plain(args);
        if (plain.isPresent()) {
            int status;
            try {
                status = plain.get().run();
            } catch (Exception e) {
                status = failed(e);
            }
            System.exit(status);
        }
        System.setProperty("picocli.disable.closures", "true"); // as xm: no search of every jar for Groovy's Closure
        CommandLine cl = commandLine(args.length > 0 ? args[0] : "");
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> failed(e));
        System.exit(cl.execute(args));
    }

    /** How a subcommand's failure is told, whichever way it was parsed: its message, and exit status 1. */
    private static int failed(Exception e) {
        System.err.println("Error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        return 1;
    }

    /**
     * The subcommand of the forms that init scripts, units and {@code xend start} itself run, parsed without
     * picocli: its model of xend is most of a client's 170 ms and sits on the daemon's start path too (~80 ms each,
     * most of it the annotation proxies the JDK makes at run time). {@code stop} and {@code status} with nothing
     * after them; {@code start}, {@code restart} and {@code run} with each listener option at most once, as
     * {@code --no-tcp}, {@code --port N} or {@code --listen ADDRESS} ({@code =} forms too), N of 1 to 5 digits and
     * an address that is not empty and starts with no dash. Anything else, help and mistakes included, goes to
     * picocli, which parses these forms alike (XendMainTest holds the two to the same result).
     */
    static Optional<PlainForm> plain(String... args) {
        if (args.length == 0) return Optional.empty();
        String sub = args[0];
        if (sub.equals("stop") || sub.equals("status")) {
            return args.length == 1 ? Optional.of(new PlainForm(sub, new ListenOptions())) : Optional.empty();
        }
        if (!sub.equals("start") && !sub.equals("restart") && !sub.equals("run")) return Optional.empty();
        return plainListen(List.of(args).subList(1, args.length)).map(listen -> new PlainForm(sub, listen));
    }

    /** A plain form: the subcommand it names and its listener options (the defaults for stop and status). */
    record PlainForm(String command, ListenOptions listen) {
        /** Runs it as its subcommand's {@code call} does. */
        int run() throws Exception {
            return switch (command) {
                case "start" -> start(listen);
                case "restart" -> restart(home(), listen);
                case "run" -> XendMain.run(listen);
                case "stop" -> stop(home());
                case "status" -> status();
                default -> throw new IllegalStateException("not a plain form: " + command);
            };
        }
    }

    /** The listener options of a plain form; empty if any argument is not one (picocli then judges them). */
    static Optional<ListenOptions> plainListen(List<String> args) {
        ListenOptions l = new ListenOptions();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            int eq = a.indexOf('=');
            String name = eq < 0 ? a : a.substring(0, eq);
            if (!seen.add(name)) return Optional.empty();
            if (name.equals("--no-tcp") && eq < 0) {
                l.noTcp = true;
                continue;
            }
            if (!name.equals("--port") && !name.equals("--listen")) return Optional.empty();
            String value;
            if (eq >= 0) {
                value = a.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                return Optional.empty();
            }
            if (name.equals("--port")) {
                if (!value.matches("[0-9]{1,5}")) return Optional.empty();
                l.port = Integer.parseInt(value);
            } else {
                if (value.isEmpty() || value.startsWith("-")) return Optional.empty();
                l.listen = value;
            }
        }
        return Optional.of(l);
    }

    /** The subcommands, in the order help lists them. */
    private static final List<Class<?>> SUBCOMMANDS = List.of(Start.class, Stop.class, Restart.class, Status.class, Run.class);

    /**
     * xend with only the subcommand {@code first} names, so that picocli builds the model of one class (each costs
     * xend's start, the client's and the daemon's); otherwise (help, an option, an unknown name) with all of them.
     */
    static CommandLine commandLine(String first) {
        CommandLine cl = new CommandLine(new XendMain());
        for (Class<?> sub : SUBCOMMANDS) {
            if (sub.getAnnotation(Command.class).name().equals(first)) return cl.addSubcommand(sub);
        }
        for (Class<?> sub : SUBCOMMANDS) cl.addSubcommand(sub);
        return cl;
    }

    @Override
    public Integer call() {
        commandLine("").usage(System.out);
        return 2;
    }

    static XendHome home() {
        return XendHome.fromEnvironment(System.getenv());
    }

    /** Listener options, shared by start, restart and run. */
    static final class ListenOptions {
        @Option(names = "--port", description = "TCP port of the HTTP API (default ${DEFAULT-VALUE}; 0 picks a free one)")
        int port = 8000;

        @Option(names = "--listen", description = "address the HTTP API listens on (default ${DEFAULT-VALUE})")
        String listen = "127.0.0.1";

        @Option(names = "--no-tcp", description = "serve the API on the local UNIX socket only")
        boolean noTcp;

        List<String> asArgs() {
            List<String> a = new ArrayList<>(List.of("--port=" + port, "--listen=" + listen));
            if (noTcp) a.add("--no-tcp");
            return a;
        }
    }

    @Command(name = "start", description = "Start xend in the background; running guests are re-attached.")
    static final class Start implements Callable<Integer> {
        @CommandLine.Mixin
        ListenOptions listen = new ListenOptions();

        @Override
        public Integer call() throws Exception {
            return start(listen);
        }
    }

    @Command(name = "stop", description = "Stop xend. Running guests are left running.")
    static final class Stop implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return stop(home());
        }
    }

    @Command(name = "restart", description = "Stop xend and start it again. Running guests are left running.")
    static final class Restart implements Callable<Integer> {
        @CommandLine.Mixin
        ListenOptions listen = new ListenOptions();

        @Override
        public Integer call() throws Exception {
            return restart(home(), listen);
        }
    }

    @Command(name = "status", description = "Say whether xend is running; exit 0 if it is, 3 if not.")
    static final class Status implements Callable<Integer> {
        @Override
        public Integer call() {
            return status();
        }
    }

    @Command(name = "run", description = "Run xend in the foreground (what start runs in the background).")
    static final class Run implements Callable<Integer> {
        @CommandLine.Mixin
        ListenOptions listen = new ListenOptions();

        @Override
        public Integer call() throws Exception {
            return run(listen);
        }
    }

    static int run(ListenOptions listen) throws Exception {
        return new Daemon(home(), listen.noTcp ? Optional.empty() : Optional.of(listen.listen), listen.port).run();
    }

    static int restart(XendHome home, ListenOptions listen) throws IOException, InterruptedException {
        int rc = stop(home);
        return rc != 0 ? rc : start(listen);
    }

    static int status() {
        Optional<ProcessHandle> pid = Daemon.running(home());
        if (pid.isPresent()) {
            System.out.println("xend is running (pid " + pid.get().pid() + ", home " + home().root() + ")");
            return 0;
        }
        System.out.println("xend is not running (home " + home().root() + ")");
        return 3;
    }

    /** Set by bin/vmhost-java to bin/xend's path, which {@code start} runs the daemon through. */
    static final String LAUNCHER_PROPERTY = "vmhost.xend";
    /** Tells bin/xend that {@code start}'s arguments were parsed here: it passes them on to the daemon as they are. */
    static final String ARGS_CHECKED_VARIABLE = "VMHOST_XEND_ARGS_CHECKED";

    /**
     * Starts the daemon through bin/xend, which runs {@code xend run} in the background and waits for the daemon's
     * word (docs/DEVELOPING.md). bin/xend does so itself for the forms it knows; this is the way for the rest,
     * once picocli has parsed them, and for {@code restart}. The listener options go as {@code --name=value}, which
     * the daemon's parser reads whatever the value looks like.
     */
    static int start(ListenOptions listen) throws IOException, InterruptedException {
        String launcher = System.getProperty(LAUNCHER_PROPERTY);
        if (launcher == null) {
            System.err.println("Error: 'xend start' runs through bin/xend, which starts the daemon in the background; "
                    + "run that, or 'xend run' in the foreground");
            return 1;
        }
        List<String> cmd = new ArrayList<>(List.of(launcher, "start"));
        cmd.addAll(listen.asArgs());
        ProcessBuilder starter = new ProcessBuilder(cmd).inheritIO();
        starter.environment().put(ARGS_CHECKED_VARIABLE, "1");
        return starter.start().waitFor();
    }

    static int stop(XendHome home) throws InterruptedException {
        Optional<ProcessHandle> running = Daemon.running(home);
        if (running.isEmpty()) {
            System.out.println("xend is not running");
            return 0;
        }
        ProcessHandle h = running.get();
        h.destroy(); // SIGTERM: xend closes its API and leaves the guests running
        Instant deadline = Instant.now().plus(STOP_TIMEOUT);
        while (Daemon.running(home).isPresent() && Instant.now().isBefore(deadline)) Thread.sleep(10);
        if (Daemon.running(home).isPresent()) {
            System.err.println("Error: xend (pid " + h.pid() + ") did not stop within " + STOP_TIMEOUT.toSeconds() + " s");
            return 1;
        }
        System.out.println("xend stopped; running guests were left running");
        return 0;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"xend (vmhost) " + VERSION};
        }
    }
}
