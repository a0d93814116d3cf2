package org.vmhost.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * The administrator's bearer token ({@code api.token}). It lives in a file only its owner can read; when the
 * file is absent (or empty) a random token is written to it whole and renamed into place, so that a crash never
 * leaves an empty token behind; a file that others may read is refused, as ssh refuses a private key that others
 * may read.
 */
final class TokenFile {
    /** Its name, as a caller ({@code token:api.token}): no token made with xm may take it. */
    static final String NAME = "api.token";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final byte[] expectedHeader;

    private TokenFile(String token) {
        this.expectedHeader = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    static TokenFile loadOrCreate(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            // Written whole and renamed into place: a crash never leaves an empty token that stops xend.
            if (!Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                PrivateFile.write(file, (newToken() + "\n").getBytes(StandardCharsets.UTF_8));
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (!OWNER_ONLY.containsAll(mode))
                throw new VmhostException(ErrorCode.HOST_FAILED, "API token file " + file + " may be read by others (mode "
                        + PosixFilePermissions.toString(mode) + "); make it private with 'chmod 600 " + file + "'");
            String token = Files.readString(file).strip();
            if (token.isEmpty()) {
                // left by an older xend that crashed between creating and writing it: nobody can hold this token
                System.getLogger(TokenFile.class.getName()).log(System.Logger.Level.WARNING,
                        "API token file " + file + " was empty; a new token is written to it");
                token = newToken();
                PrivateFile.write(file, (token + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return new TokenFile(token);
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot read or create API token file " + file + ": " + e, e);
        }
    }

    /** Whether an {@code Authorization} header carries this token; in constant time. */
    boolean accepts(String authorization) {
        return authorization != null
                && MessageDigest.isEqual(expectedHeader, authorization.strip().getBytes(StandardCharsets.UTF_8));
    }

    static String newToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
