package org.vmhost.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmhost.security.HostAccounts;

/**
 * A real xend serving the web GUI on a free TCP port of 127.0.0.1, with two host accounts made for the test
 * (PAM logins, as an administrator would make them): {@link #admin()} is in xend's {@code unix_sock_group}, so an
 * administrator; {@link #viewer()} is not, so a viewer. {@link #close()} stops xend, destroys its guests and
 * removes the accounts.
 */
public final class WebHost implements AutoCloseable {
    public static final String PASSWORD = "gui-Test-pw-7";

    private final XendInstance xend;
    private final HostAccounts accounts;
    private final String admin;
    private final String viewer;
    private final String group;
    private final int port;

    private WebHost(XendInstance xend, HostAccounts accounts, String admin, String viewer, String group, int port) {
        this.xend = xend;
        this.accounts = accounts;
        this.admin = admin;
        this.viewer = viewer;
        this.group = group;
        this.port = port;
    }

    /** Makes the accounts and starts xend; {@code conf} is added to its xend.conf (may be empty). */
    public static WebHost start(String conf) throws IOException {
        return start(conf, false);
    }

    /** As {@link #start(String)}; with {@code bridges}, xend makes bridges and taps ({@link XendInstance#withBridges()}). */
    public static WebHost start(String conf, boolean bridges) throws IOException {
        XendInstance xend = bridges ? XendInstance.withBridges() : XendInstance.create();
        HostAccounts accounts = new HostAccounts();
        try {
            String group = accounts.group("g");
            String admin = accounts.user("ga", PASSWORD, group);
            String viewer = accounts.user("gv", PASSWORD);
            Files.writeString(xend.home().resolve("xend.conf"), "unix_sock_group = \"" + group + "\"\n" + conf);
            Files.setPosixFilePermissions(xend.home(), PosixFilePermissions.fromString("rwx--x--x"));
            xend.xend("start", "--port", "0").requireSuccess();
            // 'xend start' returns once the API answers; the log line that names the port follows it.
            Pattern port = Pattern.compile("TCP port (\\d+)");
            Matcher[] m = new Matcher[1];
            XendInstance.await("xend.log to name its TCP port", java.time.Duration.ofSeconds(10),
                    () -> (m[0] = port.matcher(readQuietly(xend.home().resolve("log/xend.log")))).find());
            return new WebHost(xend, accounts, admin, viewer, group, Integer.parseInt(m[0].group(1)));
        } catch (IOException | RuntimeException | AssertionError e) {
            xend.close();
            accounts.close();
            throw e;
        }
    }

    private static String readQuietly(java.nio.file.Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    public XendInstance xend() {
        return xend;
    }

    /** {@code http://127.0.0.1:PORT} */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** An administrator's user name (password {@link #PASSWORD}). */
    public String admin() {
        return admin;
    }

    /** Another administrator of its own (password {@link #PASSWORD}), for a test that changes its account. */
    public String newAdmin(String tag) {
        return accounts.user(tag, PASSWORD, group);
    }

    /** The administrators' group, {@code unix_sock_group}. */
    public String adminGroup() {
        return group;
    }

    /** A viewer's user name (password {@link #PASSWORD}). */
    public String viewer() {
        return viewer;
    }

    @Override
    public void close() throws IOException {
        try {
            xend.close();
        } finally {
            accounts.close();
        }
    }
}
