package org.vmhost.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What a subcommand may use of the world: its output streams, the environment and the working directory.
 * Passed in rather than taken from {@link System}, so that tests run commands in-process.
 *
 * @param out              standard output
 * @param err              standard error, for {@code Error:} and {@code Warning:} lines
 * @param env              environment variables, e.g. {@code VMHOST_CONFIG_DIR}
 * @param workingDirectory where relative paths start
 */
record XmContext(PrintStream out, PrintStream err, Map<String, String> env, Path workingDirectory) {

    /** Where configurations given by bare name are looked up, as xm looked in /etc/xen. */
    static final String CONFIG_DIR_VARIABLE = "VMHOST_CONFIG_DIR";

    XmContext {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
        env = Map.copyOf(env);
        Objects.requireNonNull(workingDirectory, "workingDirectory");
    }

    Path configDirectory() {
        String dir = env.get(CONFIG_DIR_VARIABLE);
        return Path.of(dir == null || dir.isEmpty() ? "/etc/xen" : dir);
    }

    void warn(Object warning) {
        err.println("Warning: " + oneLine(String.valueOf(warning)));
    }

    /** Prints the one-line failure and gives the exit status for it. */
    int fail(String message) {
        err.println("Error: " + oneLine(message));
        return XmMain.EXIT_FAILURE;
    }

    /** A message quoting a value with line breaks in it still takes one line. */
    private static String oneLine(String message) {
        return message.replace("\r", "\\r").replace("\n", "\\n");
    }
}
