package org.vmhost.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code xm}: Xen's command set, dispatched through one table. */
@Command(name = "xm", synopsisSubcommandLabel = "SUBCOMMAND",
        description = "Manage vmhost domains, as Xen's xm did.",
        footer = {"", "'xm help SUBCOMMAND' tells more about one subcommand."})
public final class XmMain {

    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    /**
     * The command table: every subcommand, in the order {@code xm help} lists them. A new subcommand is one
     * class annotated with picocli's {@code @Command} and one line here. Building an entry only constructs the
     * command object; picocli reads its options when it is the one being run, or for help. A class of its own so
     * that a plain {@code xm list}, which needs no table, loads none of the commands' classes.
     */
    static final class Commands {
        static final List<Function<XmContext, Object>> ALL = List.of(
                CreateCommand::new,
                NewCommand::new,
                StartCommand::new,
                DeleteCommand::new,
                ListCommand::new,
                ConsoleCommand::new,
                ShutdownCommand::new,
                DestroyCommand::new,
                RebootCommand::new,
                ResetCommand::new,
                PauseCommand::new,
                UnpauseCommand::new,
                RenameCommand::new,
                MigrateCommand::new,
                DomidCommand::new,
                DomnameCommand::new,
                UptimeCommand::new,
                InfoCommand::new,
                TopCommand::new,
                VcpuListCommand::new,
                VcpuPinCommand::new,
                VcpuSetCommand::new,
                SchedCreditCommand::new,
                MemSetCommand::new,
                MemMaxCommand::new,
                SaveRestoreCommands.Save::new,
                SaveRestoreCommands.Restore::new,
                SaveRestoreCommands.Create::new,
                SaveRestoreCommands.ListSnapshots::new,
                SaveRestoreCommands.Apply::new,
                SaveRestoreCommands.Delete::new,
                XendomainsCommand::new,
                LogCommand::new,
                DmesgCommand::new,
                BlockAttachCommand::new,
                BlockDetachCommand::new,
                BlockListCommand::new,
                BlockConfigureCommand::new,
                ImageCommands.Create::new,
                ImageCommands.Clone::new,
                ImageCommands.Import::new,
                ImageCommands.Resize::new,
                ImageCommands.Info::new,
                ImageCommands.ListImages::new,
                ImageCommands.Delete::new,
                NetworkAttachCommand::new,
                NetworkDetachCommand::new,
                NetworkListCommand::new,
                NetCreateCommand::new,
                NetListCommand::new,
                NetDeleteCommand::new,
                TokenCommands.Create::new,
                TokenCommands.ListTokens::new,
                TokenCommands.Delete::new,
                SessionCommands.ListSessions::new,
                SessionCommands.Delete::new);

        private Commands() {
        }
    }

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    private XmMain() {
    }

    public static void main(String[] args) {
        quickStart();
        XmContext context = new XmContext(System.out, System.err, System.getenv(), Path.of("").toAbsolutePath());
        int status = run(context, args);
        // halt, not exit: System.exit first asks the system logger whether to log the call, which starts the JDK's
        // logging, and xm has no shutdown hook to run. Its output is flushed first.
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(status);
    }

    /** Spares xm two searches of every jar on its class path that find nothing; also run by {@link XmTraining}. */
    static void quickStart() {
        // picocli looks for Groovy's Closure class when it first builds a command: a miss that searches every jar on
        // the class path, a fifth of xm's run. xm's commands are Java classes.
        System.setProperty("picocli.disable.closures", "true");
        nameTheSelectorProvider();
    }

    /**
     * The JDK's first socket channel looks its selector provider up as a service in every jar of the class path, a
     * search that finds nothing and opens each jar (~4 ms of {@code xm list}); its own system property, set to the
     * provider it would fall back to on Linux, skips the search. Only where this JDK has that class (21 to 25 do), and
     * never over a value the user gave.
     */
    private static void nameTheSelectorProvider() {
        String property = "java.nio.channels.spi.SelectorProvider";
        String linux = "sun.nio.ch.EPollSelectorProvider";
        if (System.getProperty(property) != null) return;
        try {
            Class.forName(linux, false, null);
            System.setProperty(property, linux);
        } catch (ClassNotFoundException e) {
            // another JDK or system: the JDK searches as it always did
        }
    }

    /** Runs one {@code xm} invocation and gives its exit status. */
    static int run(XmContext context, String... args) {
        if (args.length == 0) {
            commandLine(context).usage(context.err());
            return EXIT_USAGE;
        }
        if (isPlainList(args)) return plainList(context, List.of(args).subList(1, args.length));
        if (isPlainCreate(args)) return plainCreate(context, args[1], List.of(args).subList(2, args.length));
        return commandLine(context, args[0]).execute(args);
    }

    /**
     * {@code xm list} with nothing after it but domain names: the form scripts run in loops. It needs nothing of
     * picocli, whose model of xm and {@code list} is a third of what the command costs; any option, {@code @file},
     * {@code --} or empty argument goes through picocli as every other command does.
     */
    static boolean isPlainList(String... args) {
        return args.length > 0 && args[0].equals("list") && operandsOnly(args);
    }

    /**
     * {@code xm create CONFIG [KEY=VALUE…]} with no option: the form that starts a domain, in scripts and at every
     * boot of a host. picocli's model of {@code create} (its annotations are classes the JDK generates at run time)
     * would delay QEMU's start by about 35 ms (measured); anything else goes through picocli, as for {@code list}.
     */
    static boolean isPlainCreate(String... args) {
        return args.length > 1 && args[0].equals("create") && operandsOnly(args);
    }

    /** No argument after the subcommand is an option, an {@code @file}, {@code --} or empty. */
    private static boolean operandsOnly(String... args) {
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.isEmpty() || arg.charAt(0) == '-' || arg.charAt(0) == '@') return false;
        }
        return true;
    }

    /** What picocli would run for a plain {@code xm list}. */
    private static int plainList(XmContext context, List<String> domains) {
        ListCommand list = new ListCommand(context);
        list.domains.addAll(domains);
        return plainly(context, "list", list);
    }

    /** What picocli would run for a plain {@code xm create}. */
    private static int plainCreate(XmContext context, String config, List<String> overrides) {
        CreateCommand create = new CreateCommand(context);
        create.config = config;
        create.overrides.addAll(overrides);
        return plainly(context, "create", create);
    }

    /** Runs a command as picocli would, with its handling of a failure that is a bug. */
    private static int plainly(XmContext context, String name, Callable<Integer> command) {
        try {
            return command.call();
        } catch (Exception e) {
            return internalError(context, name, e);
        }
    }

    private static int internalError(XmContext context, String command, Exception e) {
        // A bug, not a user's mistake: still one line, with what it was.
        context.err().println("Error: internal error in 'xm " + command + "': " + e);
        return EXIT_FAILURE;
    }

    /**
     * The command line for one invocation whose first argument is {@code first}: when it names a subcommand of
     * the table, xm with only that subcommand, so that picocli reflects over one class rather than all of them
     * (most of xm's start-up time); otherwise ({@code help}, an option, an unknown name) the whole table, so that
     * help and picocli's errors and suggestions are what they always were.
     */
    static CommandLine commandLine(XmContext context, String first) {
        for (Function<XmContext, Object> entry : Commands.ALL) {
            Object command = entry.apply(context);
            if (name(command).equals(first)) return configure(context, new CommandLine(new XmMain()).addSubcommand(command));
        }
        return commandLine(context);
    }

    /** xm with its whole command table, as {@code xm help} lists it. */
    static CommandLine commandLine(XmContext context) {
        CommandLine xm = new CommandLine(new XmMain());
        for (Function<XmContext, Object> command : Commands.ALL) xm.addSubcommand(command.apply(context));
        xm.addSubcommand(new CommandLine.HelpCommand());
        return configure(context, xm);
    }

    /** A subcommand's name, from its {@code @Command} alone (picocli's full reflection waits until it is run). */
    static String name(Object command) {
        Command annotation = command.getClass().getAnnotation(Command.class);
        if (annotation == null) throw new IllegalStateException(command.getClass() + " has no @Command");
        return annotation.name();
    }

    private static CommandLine configure(XmContext context, CommandLine xm) {
        xm.setOut(new java.io.PrintWriter(context.out(), true));
        xm.setErr(new java.io.PrintWriter(context.err(), true));
        xm.setParameterExceptionHandler((e, args) -> {
            CommandLine cmd = e.getCommandLine();
            String name = cmd.getCommandName().equals("xm") ? "" : " " + cmd.getCommandName();
            context.err().println("Error: " + oneLine(e.getMessage()) + " (see 'xm help" + name + "')");
            return EXIT_USAGE;
        });
        xm.setExecutionExceptionHandler((e, cmd, parsed) -> internalError(context, cmd.getCommandName(), e));
        return xm;
    }

    private static String oneLine(String s) {
        return s == null ? "invalid arguments" : s.strip().replaceAll("\\s*\\n\\s*", "; ");
    }
}
