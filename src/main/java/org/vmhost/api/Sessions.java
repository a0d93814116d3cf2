package org.vmhost.api;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Browser sessions after a login: a random id in an HttpOnly, SameSite=Strict cookie, and a CSRF token that
 * every change must repeat in the {@code X-CSRF-Token} header. Kept in memory (a restart of xend logs everyone
 * out) and looked up by the id's hash, so that the map's timing says nothing of live ids.
 */
final class Sessions {
    static final Duration LIFETIME = Duration.ofHours(8);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A live session. */
    record Session(Caller caller, String csrfToken, Instant expires) {
    }

    private final Map<String, Session> byHash = new ConcurrentHashMap<>();

    /** Opens a session and gives its id, for the cookie. */
    String open(Caller caller) {
        Instant now = Instant.now();
        byHash.values().removeIf(s -> now.isAfter(s.expires())); // ended sessions go when new ones come
        String id = random();
        byHash.put(ApiTokens.sha256(id), new Session(new Caller(caller.name(), caller.role(), "session"), random(),
                Instant.now().plus(LIFETIME)));
        return id;
    }

    Optional<Session> find(String id) {
        if (id == null || id.isEmpty()) return Optional.empty();
        String key = ApiTokens.sha256(id);
        Session s = byHash.get(key);
        if (s == null) return Optional.empty();
        if (Instant.now().isAfter(s.expires())) {
            byHash.remove(key);
            return Optional.empty();
        }
        return Optional.of(s);
    }

    void close(String id) {
        if (id != null) byHash.remove(ApiTokens.sha256(id));
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
