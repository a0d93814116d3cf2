package org.vmhost.api;

import static org.vmhost.api.ApiPaths.DOMAIN;
import static org.vmhost.api.ApiPaths.DOMAINS;
import static org.vmhost.api.ApiPaths.DMESG;
import static org.vmhost.api.ApiPaths.EVENTS;
import static org.vmhost.api.ApiPaths.HOST;
import static org.vmhost.api.ApiPaths.NETWORK;
import static org.vmhost.api.ApiPaths.NETWORKS;
import static org.vmhost.api.ApiPaths.VIF;
import static org.vmhost.api.ApiPaths.VIFS;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.vmhost.api.RequestBody.AttachVif;
import org.vmhost.api.RequestBody.CreateDomain;
import org.vmhost.api.RequestBody.CreateNetwork;
import org.vmhost.api.RequestBody.NoBody;
import org.vmhost.api.RequestBody.RenameDomain;
import org.vmhost.api.RequestBody.StartDomain;
import org.vmhost.api.RequestBody.WaitFor;
import org.vmhost.api.ResponseBody.DomainList;
import org.vmhost.api.ResponseBody.EventList;
import org.vmhost.api.ResponseBody.LogLines;
import org.vmhost.api.ResponseBody.NetworkList;
import org.vmhost.api.ResponseBody.VifList;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainService;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * The API's route table. Each route parses its request, calls one {@link DomainService} method and writes
 * the result as JSON; failures are thrown, and {@link Failures} answers them.
 */
final class Routes {
    static final int DEFAULT_EVENT_LIMIT = 100;
    static final int MAX_EVENT_LIMIT = 10_000;

    static final Set<String> HISTORY_QUERY = Set.of("metric", "start", "end", "resolution");

    private Routes() {
    }

    static List<Route> table(DomainService s) {
        return List.of(
            table (DOMAINS,                                       ctx -> new DomainList(s.list()), DomainList::domains),
            table (DOMAIN,                                        ctx -> s.get(ref(ctx)), List::of),
            create(DOMAINS,                CreateDomain.class,    (ctx, b) -> b.start()
                                                                          ? s.create(b.toRequest(), b.paused())
                                                                          : s.define(b.toRequest())),
            delete(DOMAIN, Set.of("images"),                      ctx -> s.delete(ref(ctx), flag(ctx, "images"))),
            get   (ApiPaths.DOMAIN_CONFIG,                        ctx -> s.configText(ref(ctx))),
            put   (ApiPaths.DOMAIN_CONFIG, RequestBody.EditConfig.class, (ctx, b) -> s.redefine(ref(ctx), b.toRequest())),
            get   (ApiPaths.POOLS,                                ctx -> new ResponseBody.PoolList(s.listPools())),
            post  (DOMAIN + "/start",      StartDomain.class,     (ctx, b) -> s.start(ref(ctx), b.paused())),
            post  (DOMAIN + "/shutdown",   WaitFor.class,         (ctx, b) -> s.shutdown(ref(ctx), b.duration())),
            post  (DOMAIN + "/destroy",    NoBody.class,          (ctx, b) -> s.destroy(ref(ctx))),
            post  (DOMAIN + "/reboot",     WaitFor.class,         (ctx, b) -> s.reboot(ref(ctx), b.duration())),
            post  (DOMAIN + "/reset",      NoBody.class,          (ctx, b) -> s.reset(ref(ctx))),
            post  (DOMAIN + "/pause",      NoBody.class,          (ctx, b) -> s.pause(ref(ctx))),
            post  (DOMAIN + "/unpause",    NoBody.class,          (ctx, b) -> s.unpause(ref(ctx))),
            post  (DOMAIN + "/rename",     RenameDomain.class,    (ctx, b) -> s.rename(ref(ctx), b.name())),
            post  (DOMAIN + "/migrate",    RequestBody.MigrateDomain.class, (ctx, b) -> {
                                                                      s.migrate(ref(ctx), b.toRequest());
                                                                      return new ResponseBody.Migrated(ref(ctx), b.host());
                                                                  }),
            get   (DOMAIN + "/console",                           ctx -> s.console(ref(ctx))),
            get   (DOMAIN + "/vnc",                               ctx -> s.vnc(ref(ctx))),
            get   (HOST,                                          ctx -> s.hostInfo()),
            get   (EVENTS, Set.of("limit"),                       ctx -> new EventList(s.events(limit(ctx)))),
            get   (DMESG, Set.of("limit"),                        ctx -> new LogLines(s.dmesg(limit(ctx)))),
            get   (NETWORKS,                                      ctx -> new NetworkList(s.listNetworks())),
            created(NETWORKS,              CreateNetwork.class,   (ctx, b) -> s.createNetwork(config(b))),
            delete(NETWORK,                                       ctx -> s.deleteNetwork(ctx.pathParam("name"))),
            get   (VIFS,                                          ctx -> new VifList(s.listVifs(ref(ctx)))),
            created(VIFS,                  AttachVif.class,       (ctx, b) -> s.attachVif(ref(ctx), config(b))),
            delete(VIF, Set.of("force"),                          ctx -> s.detachVif(ref(ctx), ctx.pathParam("vif"), force(ctx))),
            get   (ApiPaths.DISKS,                                ctx -> new ResponseBody.DiskList(s.listBlockDevices(ref(ctx)))),
            created(ApiPaths.DISKS,  RequestBody.AttachDisk.class, (ctx, b) -> s.attachBlockDevice(ref(ctx), b.toRequest())),
            delete(ApiPaths.DISK, Set.of("force"),                ctx -> s.detachBlockDevice(ref(ctx), ctx.pathParam("disk"), force(ctx))),
            post  (ApiPaths.DISK + "/medium", RequestBody.ChangeMedium.class,
                                                                  (ctx, b) -> s.configureBlockDevice(ref(ctx), b.toRequest(ctx.pathParam("disk")))),
            get   (ApiPaths.IMAGES, Set.of("pool"),               ctx -> new ResponseBody.ImageList(s.listImages(pool(ctx)))),
            created(ApiPaths.IMAGES, RequestBody.CreateImage.class, (ctx, b) -> s.createImage(b.pool(), b.name(), b.format(), b.size())),
            get   (ApiPaths.IMAGE, Set.of("pool"),                ctx -> s.imageInfo(pool(ctx), ctx.pathParam("image"))),
            created(ApiPaths.IMAGE + "/clone", RequestBody.CloneImage.class,
                                                                  (ctx, b) -> s.cloneImage(b.pool(), ctx.pathParam("image"), b.name(), b.linked())),
            post  (ApiPaths.IMAGE + "/import", RequestBody.ImportImage.class,
                                                                  (ctx, b) -> s.importImage(b.pool(), ctx.pathParam("image"), b.format())),
            post  (ApiPaths.IMAGE + "/resize", RequestBody.ResizeImage.class,
                                                                  (ctx, b) -> s.resizeImage(b.pool(), ctx.pathParam("image"), b.size(), b.shrink())),
            delete(ApiPaths.IMAGE, Set.of("pool"),                ctx -> s.deleteImage(pool(ctx), ctx.pathParam("image"))),
            get   (ApiPaths.STATS,                                ctx -> s.stats()),
            new Route(HttpMethod.GET, ApiPaths.METRICS, Set.of(), ctx -> {
                ctx.status(200);
                ctx.contentType(org.vmhost.monitor.PrometheusText.CONTENT_TYPE);
                ctx.result(org.vmhost.monitor.PrometheusText.write(s.stats()));
            }),
            post  (DOMAIN + "/mem-set",    RequestBody.SetMemory.class, (ctx, b) -> s.setMemory(ref(ctx), b.memory())),
            post  (DOMAIN + "/mem-max",    RequestBody.SetMaxMemory.class, (ctx, b) -> s.setMaxMemory(ref(ctx), b.maxmem())),
            post  (DOMAIN + "/vcpu-set",   RequestBody.SetVcpus.class,  (ctx, b) -> s.setVcpus(ref(ctx), b.vcpus())),
            post  (DOMAIN + "/save",       RequestBody.SaveDomain.class, (ctx, b) -> {
                                                                      s.save(ref(ctx), b.file(), b.checkpoint());
                                                                      return new ResponseBody.Saved(b.file());
                                                                  }),
            post  (ApiPaths.AUTOSTART,     NoBody.class,          (ctx, b) -> {
                                                                      s.autostart();
                                                                      return new DomainList(s.list());
                                                                  }),
            create(ApiPaths.RESTORE,       RequestBody.RestoreDomain.class, (ctx, b) -> s.restore(b.file(), b.paused())),
            get   (ApiPaths.SNAPSHOTS,                            ctx -> new ResponseBody.SnapshotList(s.listSnapshots(ref(ctx)))),
            created(ApiPaths.SNAPSHOTS,    RequestBody.CreateSnapshot.class,
                                                                  (ctx, b) -> s.createSnapshot(ref(ctx), b.name(), b.diskOnly())),
            post  (ApiPaths.SNAPSHOT + "/apply", NoBody.class,    (ctx, b) -> s.applySnapshot(ref(ctx), ctx.pathParam("snapshot"))),
            delete(ApiPaths.SNAPSHOT,                             ctx -> s.deleteSnapshot(ref(ctx), ctx.pathParam("snapshot"))),
            get   (ApiPaths.SCHED_CREDIT,                         ctx -> s.schedCredit("")),
            get   (ApiPaths.DOMAIN_SCHED_CREDIT,                  ctx -> s.schedCredit(ref(ctx))),
            post  (ApiPaths.DOMAIN_SCHED_CREDIT, RequestBody.SetSchedCredit.class,
                                                                  (ctx, b) -> s.setSchedCredit(ref(ctx), b.weight(), b.cap())),
            get   (ApiPaths.VCPUS,                                ctx -> new ResponseBody.VcpuList(s.listVcpus(""))),
            get   (ApiPaths.DOMAIN_VCPUS,                         ctx -> new ResponseBody.VcpuList(s.listVcpus(ref(ctx)))),
            post  (ApiPaths.DOMAIN_VCPUS + "/pin", RequestBody.PinVcpu.class,
                                                                  (ctx, b) -> {
                                                                      s.pinVcpu(ref(ctx), b.vcpu(), b.cpus());
                                                                      return new ResponseBody.VcpuList(s.listVcpus(ref(ctx)));
                                                                  }),
            get   (ApiPaths.DOMAIN_HISTORY, HISTORY_QUERY,        ctx -> history(s, ref(ctx), ctx)),
            get   (ApiPaths.HOST_HISTORY, HISTORY_QUERY,          ctx -> history(s, "Domain-0", ctx))
        );
    }

    /**
     * One row: a method, a path with {@code {ref}} for the domain, the query parameters it takes, and what it
     * does. {@link #run} refuses unknown query parameters and writes the answer.
     */
    record Route(HttpMethod method, String path, Set<String> query, Action action) {
        /** The path that matches every path: the GUI's files ({@link WebPages}). */
        static final String ANY = "/*";

        Route {
            Objects.requireNonNull(method);
            Objects.requireNonNull(path);
            query = Set.copyOf(query);
            Objects.requireNonNull(action);
        }

        /** The path's parameters if {@code requested} is this route's path, else null ({@link Routes#match}). */
        Map<String, String> match(String requested) {
            return Routes.match(path, requested);
        }

        void run(Exchange ctx) {
            for (String name : ctx.queryNames())
                if (!query.contains(name))
                    throw new VmhostException(ErrorCode.BAD_REQUEST, "unknown query parameter '" + name + "'");
            action.run(ctx);
        }
    }

    /**
     * The parameters of {@code template} (a route's path, with {@code {name}} parameters, or {@link Route#ANY}) in
     * {@code requested} (a path as sent, percent-encoded), or null if it is not that route's path. Each {@code {name}}
     * takes one whole segment, not empty, percent-decoded ({@code +} is a plus); the other segments must be the same,
     * as sent: a path written otherwise, with escapes, dot segments or {@code ;} parameters, is no route's.
     */
    static Map<String, String> match(String template, String requested) {
        if (template.equals(Route.ANY)) return Map.of();
        String[] want = template.split("/", -1);
        String[] got = requested.split("/", -1);
        if (want.length != got.length) return null;
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < want.length; i++) {
            if (want[i].startsWith("{") && want[i].endsWith("}")) {
                String value = decode(got[i]);
                if (value == null || value.isEmpty()) return null;
                params.put(want[i].substring(1, want[i].length() - 1), value);
            } else if (!want[i].equals(got[i])) {
                return null;
            }
        }
        return params;
    }

    private static String decode(String segment) {
        if (segment.indexOf('%') < 0) return segment;
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null; // a malformed escape (Jetty refuses most before this)
        }
    }

    /** What a route does with a request. */
    @FunctionalInterface
    interface Action {
        void run(Exchange ctx);
    }

    private static Route get(String path, Function<Exchange, Object> read) {
        return get(path, Set.of(), read);
    }

    private static Route get(String path, Set<String> query, Function<Exchange, Object> read) {
        return new Route(HttpMethod.GET, path, query, ctx -> ctx.json(200, read.apply(ctx)));
    }

    /** A GET of the domain list or a domain: JSON, or tab-separated values ({@link DomainTable}) to a client that asks. */
    private static <T> Route table(String path, Function<Exchange, T> read, Function<T, List<DomainInfo>> rows) {
        return new Route(HttpMethod.GET, path, Set.of(), ctx -> {
            T body = read.apply(ctx);
            if (DomainTable.wanted(ctx.header("Accept"))) {
                ctx.status(200);
                ctx.contentType(DomainTable.MEDIA_TYPE + "; charset=utf-8");
                ctx.result(DomainTable.write(rows.apply(body)));
            } else {
                ctx.json(200, body);
            }
        });
    }

    private static <B extends RequestBody> Route post(String path, Class<B> body, BiFunction<Exchange, B, Object> call) {
        return new Route(HttpMethod.POST, path, Set.of(), ctx -> ctx.json(200, call.apply(ctx, body(ctx, body))));
    }

    private static <B extends RequestBody> Route put(String path, Class<B> body, BiFunction<Exchange, B, Object> call) {
        return new Route(HttpMethod.PUT, path, Set.of(), ctx -> ctx.json(200, call.apply(ctx, body(ctx, body))));
    }

    /** 201 Created, with the new domain's path in {@code Location}. */
    private static <B extends RequestBody> Route create(String path, Class<B> body,
                                                        BiFunction<Exchange, B, DomainInfo> call) {
        return new Route(HttpMethod.POST, path, Set.of(), ctx -> {
            DomainInfo created = call.apply(ctx, body(ctx, body));
            ctx.header(HttpHeader.LOCATION.asString(), ApiPaths.domain(created.name()));
            ctx.json(201, created);
        });
    }

    /** 201 Created, without a {@code Location}: networks and vifs are found through their lists. */
    private static <B extends RequestBody> Route created(String path, Class<B> body, BiFunction<Exchange, B, Object> call) {
        return new Route(HttpMethod.POST, path, Set.of(), ctx -> ctx.json(201, call.apply(ctx, body(ctx, body))));
    }

    private static org.vmhost.network.NetworkConfig config(CreateNetwork body) {
        try {
            return body.toConfig();
        } catch (IllegalArgumentException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, e.getMessage());
        }
    }

    private static org.vmhost.config.VifConfig config(AttachVif body) {
        try {
            return body.toConfig();
        } catch (IllegalArgumentException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, e.getMessage());
        }
    }

    private static boolean force(Exchange ctx) {
        return flag(ctx, "force");
    }

    private static boolean flag(Exchange ctx, String name) {
        String text = ctx.queryParam(name);
        if (text == null || text.equals("false")) return false;
        if (text.equals("true")) return true;
        throw new VmhostException(ErrorCode.BAD_REQUEST, "query parameter '" + name + "' must be true or false, not '" + text + "'");
    }

    /** 204 No Content. */
    private static Route delete(String path, java.util.function.Consumer<Exchange> call) {
        return delete(path, Set.of(), call);
    }

    private static Route delete(String path, Set<String> query, java.util.function.Consumer<Exchange> call) {
        return new Route(HttpMethod.DELETE, path, query, ctx -> {
            body(ctx, NoBody.class);
            call.accept(ctx);
            ctx.status(204);
        });
    }

    private static <B extends RequestBody> B body(Exchange ctx, Class<B> type) {
        return Json.readRequest(ctx.bodyAsBytes(), type);
    }

    /** The storage pool named by {@code ?pool=}, or "" for xend's own. */
    private static String pool(Exchange ctx) {
        String pool = ctx.queryParam("pool");
        return pool == null ? "" : pool;
    }

    /** {@code ?metric=&start=&end=&resolution=}: instants in ISO-8601; end defaults to now, start to 10 minutes before end. */
    private static Object history(DomainService s, String ref, Exchange ctx) {
        java.time.Instant end = instant(ctx, "end", java.time.Instant.now());
        java.time.Instant start = instant(ctx, "start", end.minus(java.time.Duration.ofMinutes(10)));
        return s.history(ref, ctx.queryParam("metric"), start, end, ctx.queryParam("resolution"));
    }

    private static java.time.Instant instant(Exchange ctx, String name, java.time.Instant otherwise) {
        String text = ctx.queryParam(name);
        if (text == null) return otherwise;
        try {
            return java.time.Instant.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "query parameter '" + name
                    + "' must be an ISO-8601 instant such as 2026-01-31T12:00:00Z, not '" + text + "'");
        }
    }

    private static String ref(Exchange ctx) {
        return ctx.pathParam("ref");
    }

    private static int limit(Exchange ctx) {
        String text = ctx.queryParam("limit");
        if (text == null) return DEFAULT_EVENT_LIMIT;
        try {
            int limit = Integer.parseInt(text);
            if (limit >= 1 && limit <= MAX_EVENT_LIMIT) return limit;
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new VmhostException(ErrorCode.BAD_REQUEST,
                "query parameter 'limit' must be a whole number from 1 to " + MAX_EVENT_LIMIT + ", not '" + text + "'");
    }
}
