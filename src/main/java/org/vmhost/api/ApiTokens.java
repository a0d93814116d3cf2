package org.vmhost.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.json.JsonBinding;
import org.vmhost.json.JsonCodec;

/**
 * The bearer tokens made with {@code xm token-create}: named, each an administrator's or a viewer's, kept in
 * {@code api-tokens.json} (0600) as SHA-256 hashes only. A token is 256 random bits, so a plain hash is as good
 * as a slow one; the token itself is shown once, when it is made, and never again.
 */
final class ApiTokens {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /**
     * One stored token: never its value.
     *
     * @param madeBy who made it (a user, or {@code token:NAME}), so that the tokens a leaked login made can be
     *               found; null for a token made by an xend before this was kept
     */
    record Entry(String name, Role role, String sha256, String created, String madeBy) {
        Entry {
            Objects.requireNonNull(name);
            Objects.requireNonNull(role);
            Objects.requireNonNull(sha256);
            Objects.requireNonNull(created);
        }
    }

    /** Not a monitor: on JDK 21 to 23 a virtual thread that does file I/O inside one holds its carrier. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Path file;

    ApiTokens(Path file) {
        this.file = file;
    }

    /** Makes a token for {@code madeBy} (the caller's name) and gives its value, the only time anyone sees it. */
    String create(String name, Role role, String madeBy) {
        lock.lock();
        try {
            if (name == null || !NAME.matcher(name).matches())
                throw new VmhostException(ErrorCode.BAD_REQUEST, "a token name is 1 to 64 letters, digits, '.', '_' or '-', "
                        + "starting with a letter or digit, not '" + name + "'");
            if (name.equals(TokenFile.NAME))
                throw new VmhostException(ErrorCode.BAD_REQUEST, "the name '" + name + "' is xend's own token's; choose another");
            List<Entry> entries = new ArrayList<>(read());
            if (entries.stream().anyMatch(e -> e.name().equals(name)))
                throw new VmhostException(ErrorCode.RESOURCE_BUSY, "a token named '" + name + "' exists; delete it first");
            String token = TokenFile.newToken();
            entries.add(new Entry(name, role, sha256(token), Instant.now().toString(), Objects.requireNonNull(madeBy)));
            write(entries);
            return token;
        } finally {
            lock.unlock();
        }
    }

    List<Entry> list() {
        lock.lock();
        try {
            return read();
        } finally {
            lock.unlock();
        }
    }

    /** Deletes the token named {@code name} and gives what was stored of it. */
    Entry delete(String name) {
        lock.lock();
        try {
            List<Entry> entries = new ArrayList<>(read());
            Entry deleted = entries.stream().filter(e -> e.name().equals(name)).findFirst()
                    .orElseThrow(() -> new VmhostException(ErrorCode.NO_SUCH_DEVICE, "no token named '" + name + "'"));
            entries.remove(deleted);
            write(entries);
            return deleted;
        } finally {
            lock.unlock();
        }
    }

    /** The caller a presented token stands for; compared by hash, in constant time per entry. */
    Optional<Caller> find(String token) {
        byte[] presented = HexFormat.of().parseHex(sha256(token));
        for (Entry e : list())
            if (MessageDigest.isEqual(presented, HexFormat.of().parseHex(e.sha256())))
                return Optional.of(new Caller("token:" + e.name(), e.role(), "token"));
        return Optional.empty();
    }

    private List<Entry> read() {
        try {
            // leniently: a token file of a newer xend (after a downgrade) keeps its tokens
            return JsonBinding.readList(JsonCodec.parse(Files.readAllBytes(file)), Entry.class, JsonBinding.Strictness.LENIENT);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot read API tokens " + file + ": " + e.getMessage(), e);
        }
    }

    private void write(List<Entry> entries) {
        try {
            PrivateFile.write(file, JsonBinding.writePretty(entries));
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot write API tokens " + file + ": " + e.getMessage(), e);
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
