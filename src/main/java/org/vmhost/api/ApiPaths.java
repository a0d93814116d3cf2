package org.vmhost.api;

import java.nio.charset.StandardCharsets;

/**
 * The API's paths, shared by the server's route table and the client. Version 1 lives under
 * {@code /api/v1}; a later, incompatible version gets a new prefix beside it.
 */
final class ApiPaths {
    static final String JSON = "application/json";

    static final String V1 = "/api/v1";
    static final String DOMAINS = V1 + "/domains";
    /** One domain, by name, id or UUID. */
    static final String DOMAIN = DOMAINS + "/{ref}";
    static final String HOST = V1 + "/host";
    static final String EVENTS = V1 + "/events";
    static final String DMESG = V1 + "/dmesg";
    /** The event log as a WebSocket stream of JSON events. */
    static final String EVENTS_WS = EVENTS + "/ws";
    /** A domain's serial console, and its graphical console (RFB), as WebSockets of binary messages. */
    static final String CONSOLE_WS = DOMAIN + "/console/ws";
    static final String VNC_WS = DOMAIN + "/vnc/ws";
    /** A login session: POST logs in, GET says who the caller is, DELETE logs out. */
    static final String SESSION = V1 + "/session";
    /** Bearer tokens, and one of them by name. */
    static final String SESSIONS = V1 + "/sessions";
    static final String USER_SESSIONS = SESSIONS + "/{user}";
    static final String TOKENS = V1 + "/tokens";
    static final String TOKEN = TOKENS + "/{name}";
    static final String STATS = V1 + "/stats";
    /** Prometheus scrapes here, outside /api/v1, where its configurations look by default. */
    static final String METRICS = "/metrics";
    static final String VCPUS = V1 + "/vcpus";
    static final String SCHED_CREDIT = V1 + "/sched-credit";
    static final String DOMAIN_SCHED_CREDIT = DOMAIN + "/sched-credit";
    static final String DOMAIN_VCPUS = DOMAIN + "/vcpus";
    static final String DOMAIN_HISTORY = DOMAIN + "/history";
    static final String HOST_HISTORY = HOST + "/history";
    static final String NETWORKS = V1 + "/networks";
    /** One network, by name. */
    static final String NETWORK = NETWORKS + "/{name}";
    /** A domain's vifs, and one of them by devid or MAC. */
    static final String VIFS = DOMAIN + "/vifs";
    static final String VIF = VIFS + "/{vif}";

    /** A domain's virtual disks, and one of them by vdev or device number. */
    static final String DISKS = DOMAIN + "/disks";
    static final String DISK = DISKS + "/{disk}";

    /** The images of a storage pool, and one of them by name. */
    static final String RESTORE = V1 + "/restore";
    static final String AUTOSTART = HOST + "/autostart";
    static final String SNAPSHOTS = DOMAIN + "/snapshots";
    static final String SNAPSHOT = SNAPSHOTS + "/{snapshot}";
    static final String IMAGES = V1 + "/images";
    static final String IMAGE = IMAGES + "/{image}";
    /** The storage pools images live in. */
    static final String POOLS = V1 + "/pools";
    /** A managed domain's definition as xm text. */
    static final String DOMAIN_CONFIG = DOMAIN + "/config";

    private ApiPaths() {
    }

    /** The path of one image, with its pool as a query parameter when one is named. */
    static String image(String name, String action, String pool) {
        return IMAGES + "/" + encode(name) + (action.isEmpty() ? "" : "/" + action) + poolQuery(pool);
    }

    /** {@code ?pool=DIR}, or nothing for xend's own pool. */
    static String poolQuery(String pool) {
        return pool == null || pool.isEmpty() ? "" : "?pool=" + encode(pool);
    }

    /** The path of a domain's disks, or of one disk. */
    static String disks(String ref) {
        return domain(ref) + "/disks";
    }

    static String disk(String ref, String device) {
        return disks(ref) + "/" + encode(device);
    }

    /** The path of one domain, its reference percent-encoded. */
    static String domain(String ref) {
        return DOMAINS + "/" + encode(ref);
    }

    /** The path of an action on one domain, e.g. {@code /api/v1/domains/web1/pause}. */
    static String action(String ref, String action) {
        return domain(ref) + "/" + action;
    }

    /** The path of one network. */
    static String network(String name) {
        return NETWORKS + "/" + encode(name);
    }

    /** The path of a domain's vifs, or of one vif. */
    static String vifs(String ref) {
        return domain(ref) + "/vifs";
    }

    static String vif(String ref, String device) {
        return vifs(ref) + "/" + encode(device);
    }

    /**
     * Percent-encodes everything but RFC 3986's unreserved characters; a segment {@code .} or {@code ..} (a
     * domain may have such a name) as {@code %2E}, so that nothing on the way removes it as a dot-segment.
     */
    static String encode(String segment) {
        if (segment.equals(".") || segment.equals("..")) return segment.replace(".", "%2E");
        StringBuilder sb = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                sb.append(c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }
}
