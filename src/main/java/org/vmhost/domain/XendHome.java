package org.vmhost.domain;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Where one xend instance keeps everything: one root, {@code /var/lib/vmhost} unless {@code VMHOST_HOME}
 * moves it, so tests and users can run instances side by side. xm finds its xend through the same root.
 *
 * <p>UNIX socket paths are limited to 107 bytes, so per-domain sockets use short names under {@code run/}.
 */
public record XendHome(Path root) {
    public static final Path DEFAULT_ROOT = Path.of("/var/lib/vmhost");

    public XendHome {
        root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    }

    /** The root named by {@code VMHOST_HOME} in the given environment, or the default. */
    public static XendHome fromEnvironment(Map<String, String> env) {
        String home = env.get("VMHOST_HOME");
        return new XendHome(home == null || home.isBlank() ? DEFAULT_ROOT : Path.of(home));
    }

    /** xend's own settings (see {@code daemon.XendSettings}); optional. */
    public Path settingsFile() {
        return root.resolve("xend.conf");
    }

    public Path database() {
        return root.resolve("xend.db");
    }

    public Path runDir() {
        return root.resolve("run");
    }

    /** The API's UNIX socket, trusted because only its owner may open it. */
    public Path apiSocket() {
        return runDir().resolve("xend.sock");
    }

    public Path pidFile() {
        return runDir().resolve("xend.pid");
    }

    public Path tokenFile() {
        return root.resolve("api.token");
    }

    public Path logDir() {
        return root.resolve("log");
    }

    public Path xendLog() {
        return logDir().resolve("xend.log");
    }

    public Path imagesDir() {
        return root.resolve("images");
    }

    /** Configs of domains started with xend, as /etc/xen/auto was. */
    public Path autoDir() {
        return root.resolve("auto");
    }

    /** The directory of one running domain's sockets. */
    public Path domainRunDir(String uuid) {
        return runDir().resolve(uuid);
    }

    /** Where QEMU keeps a domain's serial console history; kept after the domain stops and across renames. */
    public Path consoleLog(String uuid) {
        return logDir().resolve("console").resolve(uuid + ".log");
    }

    /** What a domain's QEMU printed on stderr (its own errors), kept after the domain stops. */
    public Path qemuLog(String uuid) {
        return logDir().resolve("qemu").resolve(uuid + ".log");
    }
}
