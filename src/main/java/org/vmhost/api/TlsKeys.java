package org.vmhost.api;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.host.HostCommand;

/**
 * The TCP listener's key and certificate: {@code tls/xend.p12} (PKCS12) and its password in
 * {@code tls/xend.p12.pass}, both 0600. On first need xend makes a self-signed one with the JDK's keytool; the
 * administrator may replace both files with a certificate of their own (restart xend to take it).
 */
final class TlsKeys {
    static final String STORE = "xend.p12";
    static final String PASS = "xend.p12.pass";

    record Store(Path path, String password) {
    }

    private TlsKeys() {
    }

    static Store ensure(Path dir, String listen) {
        Path store = dir.resolve(STORE);
        Path pass = dir.resolve(PASS);
        try {
            if (!Files.exists(store) || !Files.exists(pass)) make(dir, store, pass, listen);
            return new Store(store, Files.readString(pass).strip());
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot read or make xend's TLS key in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void make(Path dir, Path store, Path pass, String listen) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        PrivateFile.write(pass, (TokenFile.newToken() + "\n").getBytes(StandardCharsets.UTF_8));
        Path tmp = dir.resolve(STORE + ".new");
        Files.deleteIfExists(tmp);
        String host = hostName();
        List<String> san = new ArrayList<>(List.of("dns:localhost", "ip:127.0.0.1", "ip:::1"));
        if (!host.equals("localhost")) san.add("dns:" + host);
        if (!HostCheck.isWildcard(listen))
            san.add((listen.matches("[0-9.]+|.*:.*") ? "ip:" : "dns:") + listen.replace("[", "").replace("]", ""));
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        HostCommand.of(keytool.toString(), "-genkeypair", "-alias", "xend", "-keyalg", "EC", "-groupname", "secp256r1",
                "-sigalg", "SHA256withECDSA", "-validity", "3650", "-dname", "CN=" + host + ", O=vmhost xend",
                "-ext", "SAN=" + String.join(",", san), "-storetype", "PKCS12", "-keystore", tmp.toString(),
                "-storepass:file", pass.toString(), "-keypass:file", pass.toString())
                .timeout(Duration.ofSeconds(60)).run();
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        Files.move(tmp, store, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The kernel's name for this host, not looked up in DNS: a host whose own name does not resolve (no line in
     * /etc/hosts, as in a fresh chroot or container) still gets its key. A name that is no DNS name (it would
     * break keytool's -dname and -ext lists) gives way to localhost.
     */
    private static String hostName() {
        String name;
        try {
            name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            try {
                name = InetAddress.getLocalHost().getHostName();
            } catch (IOException e2) {
                name = "localhost";
            }
        }
        return name.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})") ? name : "localhost";
    }
}
