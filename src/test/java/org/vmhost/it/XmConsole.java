package org.vmhost.it;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * A running {@code xm console} of a test's xend, read and typed into through pipes, as a script or expect uses
 * it (no terminal). A wait that times out says what the console showed.
 */
public final class XmConsole implements AutoCloseable {
    private static final int SHOWN_ON_FAILURE = 3000;

    final Process process;
    private final ByteArrayOutputStream seen = new ByteArrayOutputStream();

    private XmConsole(Process process) {
        this.process = process;
        InputStream in = process.getInputStream();
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    synchronized (seen) {
                        seen.write(buf, 0, n);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
    }

    /** {@code xm console DOMAIN} against this xend. */
    public static XmConsole open(XendInstance xend, String domain) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(XendInstance.PROJECT.resolve("bin/xm").toString(), "console", domain)
                .redirectErrorStream(true);
        pb.environment().put("VMHOST_HOME", xend.home().toString());
        return new XmConsole(pb.start());
    }

    public Process process() {
        return process;
    }

    /** Everything the console printed so far. */
    public String text() {
        synchronized (seen) {
            return seen.toString(UTF_8);
        }
    }

    public void awaitText(String text, Duration timeout) {
        await("console output '" + text + "'", timeout, () -> text().contains(text));
    }

    public void awaitMatch(String regex, Duration timeout) {
        Pattern p = Pattern.compile(regex);
        await("console output /" + regex + "/", timeout, () -> p.matcher(text()).find());
    }

    /** The guest's MemTotal in kB, read through its shell; {@code n} tells one answer from the last. */
    public long memTotal(int n) {
        try {
            type("echo MT" + n + "=$(grep MemTotal /proc/meminfo | tr -s ' ' | cut -d' ' -f2)=\n");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        Pattern answer = Pattern.compile("MT" + n + "=(\\d+)="); // not the echoed command
        await("MemTotal answer " + n, Duration.ofSeconds(20), () -> answer.matcher(text()).find());
        java.util.regex.Matcher m = answer.matcher(text());
        if (!m.find()) throw new AssertionError("no MemTotal answer " + n);
        return Long.parseLong(m.group(1));
    }

    public void type(String keys) throws IOException {
        OutputStream out = process.getOutputStream();
        out.write(keys.getBytes(UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        process.destroyForcibly(); // the xm console this test started, never the guest
    }

    private void await(String what, Duration timeout, java.util.function.BooleanSupplier condition) {
        try {
            XendInstance.await(what, timeout, condition);
        } catch (AssertionError e) {
            String t = text();
            throw new AssertionError(e.getMessage() + "; the console showed:\n"
                    + t.substring(Math.max(0, t.length() - SHOWN_ON_FAILURE)), e);
        }
    }
}
