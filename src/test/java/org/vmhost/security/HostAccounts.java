package org.vmhost.security;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.vmhost.host.HostCommand;

/**
 * Real host users and groups for the attack tests, with names unique to this test run, removed by name when
 * the test ends (test users have no home directory and cannot log in on a terminal). The browser tests
 * (org.vmhost.it.WebHost) use them too.
 */
public final class HostAccounts implements AutoCloseable {
    private static final String RUN = Long.toString(ProcessHandle.current().pid() % 100_000, 36);
    private final List<String> users = new ArrayList<>();
    private final List<String> groups = new ArrayList<>();

    public String group(String tag) {
        String name = "vmh" + tag + RUN;
        HostCommand.of("groupdel", name).tryRun(); // left by a killed run
        HostCommand.of("groupadd", name).run();
        groups.add(name);
        return name;
    }

    /** A user with a password (null for none), in the given extra groups. */
    public String user(String tag, String password, String... extraGroups) {
        String name = "vmh" + tag + RUN;
        HostCommand.of("userdel", name).tryRun();
        List<String> argv = new ArrayList<>(List.of("useradd", "-M", "-N", "-s", "/usr/sbin/nologin"));
        if (extraGroups.length > 0) argv.addAll(List.of("-G", String.join(",", extraGroups)));
        argv.add(name);
        HostCommand.of(argv).run();
        users.add(name);
        if (password != null) HostCommand.of("chpasswd").input(name + ":" + password + "\n").run();
        return name;
    }

    /** curl run as another user; the answer's body, then a line with the HTTP status (000: no connection). */
    static HostCommand.Result curlAs(String user, String... curlArgs) {
        List<String> argv = new ArrayList<>(List.of("runuser", "-u", user, "--", "curl", "-sS", "--max-time", "10",
                "-w", "\n%{http_code}"));
        argv.addAll(List.of(curlArgs));
        return HostCommand.of(argv).timeout(Duration.ofSeconds(20)).tryRun();
    }

    /** A WebSocket upgrade of {@code url} by curl as root, sending {@code cookie}, given up after 3 s (an open socket). */
    static HostCommand.Result upgradeWithCookie(String cookie, String url) {
        return curlAs("root", "--max-time", "3", "-H", "Cookie: " + cookie, "-H", "Connection: Upgrade", "-H", "Upgrade: websocket",
                "-H", "Sec-WebSocket-Version: 13", "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", url);
    }

    static int status(HostCommand.Result curl) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^(\\d{3})$").matcher(curl.output());
        int status = -1;
        while (m.find()) status = Integer.parseInt(m.group(1));
        if (status < 0) throw new AssertionError("no HTTP status in curl's output: " + curl.output());
        return status;
    }

    @Override
    public void close() {
        for (String u : users) {
            HostCommand.of("userdel", u).tryRun();
            // what a JVM run as the user leaves in /tmp (bin/xm and bin/xend's clients make none)
            HostCommand.of("rm", "-rf", "--", "/tmp/hsperfdata_" + u).tryRun();
        }
        for (String g : groups) HostCommand.of("groupdel", g).tryRun();
    }
}
