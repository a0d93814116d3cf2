package org.vmhost.cli;

import java.nio.file.Path;
import java.util.List;
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
     * class annotated with picocli's {@code @Command} and one line here.
     */
    static final List<Function<XmContext, Object>> COMMANDS = List.of(
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
            TokenCommands.Delete::new);

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    private XmMain() {
    }

    public static void main(String[] args) {
        XmContext context = new XmContext(System.out, System.err, System.getenv(), Path.of("").toAbsolutePath());
        System.exit(run(context, args));
    }

    /** Runs one {@code xm} invocation and gives its exit status. */
    static int run(XmContext context, String... args) {
        CommandLine xm = commandLine(context);
        if (args.length == 0) {
            xm.usage(context.err());
            return EXIT_USAGE;
        }
        return xm.execute(args);
    }

    static CommandLine commandLine(XmContext context) {
        CommandLine xm = new CommandLine(new XmMain());
        for (Function<XmContext, Object> command : COMMANDS) xm.addSubcommand(command.apply(context));
        xm.addSubcommand(new CommandLine.HelpCommand());
        xm.setOut(new java.io.PrintWriter(context.out(), true));
        xm.setErr(new java.io.PrintWriter(context.err(), true));
        xm.setParameterExceptionHandler((e, args) -> {
            CommandLine cmd = e.getCommandLine();
            String name = cmd.getCommandName().equals("xm") ? "" : " " + cmd.getCommandName();
            context.err().println("Error: " + oneLine(e.getMessage()) + " (see 'xm help" + name + "')");
            return EXIT_USAGE;
        });
        xm.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // A bug, not a user's mistake: still one line, with what it was.
            context.err().println("Error: internal error in 'xm " + cmd.getCommandName() + "': " + e);
            return EXIT_FAILURE;
        });
        return xm;
    }

    private static String oneLine(String s) {
        return s == null ? "invalid arguments" : s.strip().replaceAll("\\s*\\n\\s*", "; ");
    }
}
