package org.vmhost.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * One {@code xm} invocation run in this JVM, as a user sees it: its exit status and what it printed on each stream.
 *
 * @param status the exit status
 * @param out    standard output
 * @param err    standard error
 */
record XmRun(int status, String out, String err) {

    /** xm as it runs: {@code xm ARGS...} with this environment and working directory. */
    static XmRun of(Map<String, String> env, Path cwd, String... args) {
        return of(env, cwd, context -> XmMain.run(context, args));
    }

    /** xm run some other way ({@code how}), e.g. through picocli with the whole table, to compare with the above. */
    static XmRun of(Map<String, String> env, Path cwd, ToIntFunction<XmContext> how) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        XmContext context = new XmContext(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env, cwd);
        int status = how.applyAsInt(context);
        return new XmRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
