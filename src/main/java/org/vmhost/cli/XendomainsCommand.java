package org.vmhost.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainService;
import org.vmhost.domain.DomainState;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code xm xendomains stop|start}: what Xen's xendomains script did at the host's shutdown and boot, as a command
 * that a service manager (setup/systemd/xendomains.service) or a test runs. Stop saves every running domain into
 * the save directory ({@code XENDOMAINS_SAVE}), or, without one, shuts them all down and waits at most
 * {@code XENDOMAINS_STOP_MAXWAIT} seconds. Start restores every saved domain (deleting its file once it runs
 * again), then starts the autostart domains.
 */
@Command(name = "xendomains", description = {"The host's shutdown (stop: save or shut down every running domain) and",
        "boot (start: restore the saved domains, then start the autostart ones), as Xen's xendomains did."})
final class XendomainsCommand extends DaemonCommand {
    static final String SAVE_ENV = "XENDOMAINS_SAVE";
    static final String MAXWAIT_ENV = "XENDOMAINS_STOP_MAXWAIT";
    static final int DEFAULT_MAXWAIT = 300;
    static final String SUFFIX = ".save";

    @Parameters(index = "0", paramLabel = "stop|start", description = "stop: at the host's shutdown; start: at its boot.")
    String action;

    @Option(names = {"-s", "--save-dir"}, paramLabel = "DIR",
            description = "Where domains are saved (default: $XENDOMAINS_SAVE; empty: shut them down instead).")
    String saveDir;

    @Option(names = {"-w", "--max-wait"}, paramLabel = "SECS",
            description = "How long stop waits for the domains to shut down (default: $XENDOMAINS_STOP_MAXWAIT, else 300).")
    Integer maxWait;

    XendomainsCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        Map<String, String> env = context.env();
        String dir = saveDir != null ? saveDir : env.getOrDefault(SAVE_ENV, "");
        Path save = dir.isBlank() ? null : context.workingDirectory().resolve(dir).toAbsolutePath().normalize();
        int wait = maxWait != null ? maxWait : parseWait(env.get(MAXWAIT_ENV));
        if (wait < 0) throw new VmhostException(ErrorCode.BAD_REQUEST, "the wait must be 0 or more seconds, not " + wait);
        return switch (action) {
            case "stop" -> stop(xend, save, Duration.ofSeconds(wait));
            case "start" -> start(xend, save);
            default -> throw new VmhostException(ErrorCode.BAD_REQUEST, "xendomains: '" + action + "' is neither stop nor start");
        };
    }

    private int stop(DomainService xend, Path save, Duration wait) {
        if (save != null) requireDirectory(save);
        List<String> toShutDown = new ArrayList<>();
        int failures = 0;
        for (DomainInfo d : running(xend)) {
            if (save != null) {
                Path file = save.resolve(d.name() + SUFFIX);
                context.out().println("Saving domain " + d.name() + " to " + file);
                try {
                    xend.save(d.uuid(), file.toString(), false);
                    continue;
                } catch (VmhostException e) {
                    context.err().println("Error: " + e.getMessage() + "; shutting it down instead");
                }
            }
            try {
                context.out().println("Shutting down domain " + d.name());
                xend.shutdown(d.uuid(), Duration.ZERO);
                toShutDown.add(d.uuid());
            } catch (VmhostException e) {
                context.err().println("Error: " + e.getMessage());
                failures++;
            }
        }
        Instant deadline = Instant.now().plus(wait);
        List<String> left = new ArrayList<>(toShutDown);
        while (!left.isEmpty()) {
            left.removeIf(uuid -> !stillRunning(xend, uuid));
            if (left.isEmpty() || Instant.now().isAfter(deadline)) break;
            sleep();
        }
        for (String uuid : left) {
            context.err().println("Error: domain " + name(xend, uuid) + " did not shut down within " + wait.toSeconds() + " s");
        }
        return failures + left.size() == 0 ? 0 : XmMain.EXIT_FAILURE;
    }

    private int start(DomainService xend, Path save) {
        int failures = 0;
        if (save != null && Files.isDirectory(save)) {
            List<Path> files;
            try (var s = Files.list(save)) {
                files = s.filter(p -> p.getFileName().toString().endsWith(SUFFIX) && Files.isRegularFile(p)).sorted().toList();
            } catch (IOException e) {
                throw new VmhostException(ErrorCode.HOST_FAILED, "cannot read " + save + ": " + e.getMessage(), e);
            }
            for (Path f : files) {
                try {
                    DomainInfo d = xend.restore(f.toString(), false);
                    context.out().println("Restored domain " + d.name() + " from " + f);
                    Files.delete(f); // as xendomains did: a saved image is used once
                } catch (VmhostException | IOException e) {
                    context.err().println("Error: " + e.getMessage());
                    failures++;
                }
            }
        }
        xend.autostart();
        return failures == 0 ? 0 : XmMain.EXIT_FAILURE;
    }

    private static List<DomainInfo> running(DomainService xend) {
        return xend.list().stream().filter(d -> !d.name().equals("Domain-0") && d.state().active()
                && d.state() != DomainState.DYING).toList();
    }

    private static boolean stillRunning(DomainService xend, String uuid) {
        try {
            return xend.get(uuid).state().active();
        } catch (VmhostException e) {
            if (e.code() == ErrorCode.NO_SUCH_DOMAIN) return false; // a transient domain is forgotten once it stops
            throw e;
        }
    }

    private static String name(DomainService xend, String uuid) {
        try {
            return "'" + xend.get(uuid).name() + "'";
        } catch (VmhostException e) {
            return uuid;
        }
    }

    private static int parseWait(String text) {
        if (text == null || text.isBlank()) return DEFAULT_MAXWAIT;
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, MAXWAIT_ENV + " must be a number of seconds, not '" + text + "'");
        }
    }

    private static void requireDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "the save directory " + dir + " does not exist");
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmhostException(ErrorCode.INTERNAL, "interrupted");
        }
    }
}
