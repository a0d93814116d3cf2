package org.vmhost.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.vmhost.domain.DomainService;
import org.vmhost.error.VmhostException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code xm console DOMAIN}: the guest's serial console. On a terminal it switches the terminal to raw
 * mode (and back), and Ctrl-] detaches while the guest keeps running. Without a terminal (a script, a
 * test, expect) it copies bytes both ways and leaves terminal modes alone; it ends when the guest's
 * console closes or Ctrl-] arrives on standard input.
 */
@Command(name = "console", description = {"Attach to a domain's serial console; Ctrl-] detaches.",
        "The recent output is shown first, so a late attach still sees the boot messages."})
final class ConsoleCommand extends DaemonCommand {
    /** Ctrl-], as xm and telnet use it. */
    static final int DETACH = 0x1d;

    @Parameters(paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    ConsoleCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        return attach(context, domain);
    }

    /** Attaches to a domain's console until detach or until the console closes; returns xm's exit status. */
    static int attach(XmContext context, String domain) {
        Path socket;
        try {
            socket = Path.of(connect(context).console(domain).socket());
        } catch (VmhostException e) {
            context.err().println("Error: " + e.getMessage());
            return e.code().exitStatus();
        }
        boolean terminal = isTerminal();
        String saved = terminal ? stty("-g").strip() : null;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            if (terminal) stty("raw", "-echo");
            Thread input = Thread.ofVirtual().start(() -> copyInput(System.in, ch));
            copyOutput(ch, context.out());
            input.interrupt();
            return 0;
        } catch (IOException e) {
            context.err().println("Error: cannot attach to the console of '" + domain + "': " + e.getMessage());
            return XmMain.EXIT_FAILURE;
        } finally {
            if (terminal) {
                stty(saved);
                context.out().println();
            }
        }
    }

    /** Keystrokes to the guest until Ctrl-]; at end of input, keeps the console open for output. */
    private static void copyInput(InputStream in, SocketChannel ch) {
        byte[] buf = new byte[1024];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                int detach = indexOf(buf, n, DETACH);
                ch.write(ByteBuffer.wrap(buf, 0, detach < 0 ? n : detach));
                if (detach >= 0) {
                    ch.close(); // ends the output loop too
                    return;
                }
            }
        } catch (IOException e) {
            // The console closed under us; the output side reports the end.
        }
    }

    private static void copyOutput(SocketChannel ch, OutputStream out) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        try {
            while (ch.read(buf) >= 0) {
                out.write(buf.array(), 0, buf.position());
                out.flush();
                buf.clear();
            }
        } catch (java.nio.channels.AsynchronousCloseException e) {
            // Detached with Ctrl-].
        }
    }

    private static int indexOf(byte[] buf, int n, int b) {
        for (int i = 0; i < n; i++) if (buf[i] == b) return i;
        return -1;
    }

    /** Whether standard input is a terminal: asked of test(1), which inherits our stdin. */
    private static boolean isTerminal() {
        try {
            Process p = new ProcessBuilder("test", "-t", "0").redirectInput(ProcessBuilder.Redirect.INHERIT).start();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs stty on our terminal and returns what it printed. */
    private static String stty(String... args) {
        try {
            Process p = new ProcessBuilder(concat("stty", args)).redirectInput(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(5, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static List<String> concat(String first, String... rest) {
        List<String> l = new java.util.ArrayList<>();
        l.add(first);
        l.addAll(List.of(rest));
        return l;
    }
}
