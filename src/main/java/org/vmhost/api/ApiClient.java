package org.vmhost.api;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.vmhost.api.RequestBody.CreateDomain;
import org.vmhost.api.RequestBody.NoBody;
import org.vmhost.api.RequestBody.RenameDomain;
import org.vmhost.api.RequestBody.StartDomain;
import org.vmhost.api.RequestBody.WaitFor;
import org.vmhost.api.ResponseBody.ErrorBody;
import org.vmhost.api.ResponseBody.EventList;
import org.vmhost.config.VifConfig;
import org.vmhost.domain.ConsoleEndpoint;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainRequest;
import org.vmhost.domain.DomainService;
import org.vmhost.domain.HostInfo;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.event.DomainEvent;
import org.vmhost.json.JsonValue;
import org.vmhost.network.NetworkConfig;
import org.vmhost.network.NetworkInfo;
import org.vmhost.network.Vif;

/**
 * The {@link DomainService} that xm uses: every call is one HTTP request to xend's UNIX socket. An error
 * body comes back as the {@link VmhostException} xend threw, with the same code and message. When xend
 * cannot be reached the failure is {@code HOST_FAILED} with xm's classic message,
 * {@code Unable to connect to xend: No such file or directory. Is xend running?}.
 *
 * <p>It holds no connection between calls and needs no closing.
 */
public final class ApiClient implements DomainService {
    private final UnixSocketHttp http;
    private final Consumer<UnixSocketHttp.Exchange> observer;

    /** @param socket xend's API socket, e.g. {@code $VMHOST_HOME/run/xend.sock} */
    public ApiClient(Path socket) {
        this(socket, exchange -> { });
    }

    /** For tests: sees every exchange, e.g. to check it against the API description. */
    ApiClient(Path socket, Consumer<UnixSocketHttp.Exchange> observer) {
        this.http = new UnixSocketHttp(Objects.requireNonNull(socket, "socket"));
        this.observer = Objects.requireNonNull(observer, "observer");
    }

    @Override
    public List<DomainInfo> list() {
        return table(ApiPaths.DOMAINS, DomainTable::read, LeanAnswers::domainList);
    }

    @Override
    public DomainInfo get(String ref) {
        return table(ApiPaths.domain(ref), DomainTable::readOne, LeanAnswers::domainInfo);
    }

    /**
     * A GET of a domain or the list, asked for as tab-separated values ({@link DomainTable}: no JSON parser, so
     * {@code xm list} starts no BigDecimal); an xend that answers JSON, as one from before it did, is read as JSON.
     */
    private <T> T table(String path, Reader<T> asTable, Reader<T> asJson) {
        return call("GET", path, null, DomainTable.MEDIA_TYPE,
                exchange -> (DomainTable.is(exchange.contentType()) ? asTable : asJson).read(exchange.body()));
    }

    @Override
    public DomainInfo create(DomainRequest request, boolean paused) {
        return call("POST", ApiPaths.DOMAINS, CreateDomain.of(request, true, paused), LeanAnswers::domainInfo);
    }

    @Override
    public DomainInfo define(DomainRequest request) {
        return call("POST", ApiPaths.DOMAINS, CreateDomain.of(request, false, false), LeanAnswers::domainInfo);
    }

    @Override
    public DomainInfo start(String ref, boolean paused) {
        return call("POST", ApiPaths.action(ref, "start"), new StartDomain(paused), LeanAnswers::domainInfo);
    }

    @Override
    public void delete(String ref) {
        call("DELETE", ApiPaths.domain(ref), null, Void.class);
    }

    @Override
    public void delete(String ref, boolean withImages) {
        call("DELETE", ApiPaths.domain(ref) + (withImages ? "?images=true" : ""), null, Void.class);
    }

    @Override
    public org.vmhost.domain.ConfigTextInfo configText(String ref) {
        return call("GET", ApiPaths.domain(ref) + "/config", null, org.vmhost.domain.ConfigTextInfo.class);
    }

    @Override
    public org.vmhost.domain.ConfigTextInfo redefine(String ref, DomainRequest request) {
        return call("PUT", ApiPaths.domain(ref) + "/config", RequestBody.EditConfig.of(request),
                org.vmhost.domain.ConfigTextInfo.class);
    }

    @Override
    public List<org.vmhost.storage.PoolInfo> listPools() {
        return call("GET", ApiPaths.POOLS, null, ResponseBody.PoolList.class).pools();
    }

    @Override
    public DomainInfo shutdown(String ref, Duration wait) {
        return call("POST", ApiPaths.action(ref, "shutdown"), WaitFor.of(wait), LeanAnswers::domainInfo);
    }

    @Override
    public DomainInfo destroy(String ref) {
        return call("POST", ApiPaths.action(ref, "destroy"), new NoBody(), LeanAnswers::domainInfo);
    }

    @Override
    public DomainInfo reboot(String ref, Duration wait) {
        return call("POST", ApiPaths.action(ref, "reboot"), WaitFor.of(wait), LeanAnswers::domainInfo);
    }

    @Override
    public DomainInfo reset(String ref) {
        return call("POST", ApiPaths.action(ref, "reset"), new NoBody(), LeanAnswers::domainInfo);
    }

    @Override
    public DomainInfo pause(String ref) {
        return call("POST", ApiPaths.action(ref, "pause"), new NoBody(), LeanAnswers::domainInfo);
    }

    @Override
    public DomainInfo unpause(String ref) {
        return call("POST", ApiPaths.action(ref, "unpause"), new NoBody(), LeanAnswers::domainInfo);
    }

    @Override
    public DomainInfo rename(String ref, String newName) {
        return call("POST", ApiPaths.action(ref, "rename"), new RenameDomain(newName), LeanAnswers::domainInfo);
    }

    @Override
    public void migrate(String ref, org.vmhost.domain.MigrationRequest r) {
        call("POST", ApiPaths.action(ref, "migrate"), new RequestBody.MigrateDomain(r.host(), r.port(), r.live(),
                r.copyStorage(), r.token(), r.fingerprint()), ResponseBody.Migrated.class);
    }

    @Override
    public ConsoleEndpoint console(String ref) {
        return call("GET", ApiPaths.action(ref, "console"), null, ConsoleEndpoint.class);
    }

    @Override
    public ConsoleEndpoint vnc(String ref) {
        return call("GET", ApiPaths.action(ref, "vnc"), null, ConsoleEndpoint.class);
    }

    @Override
    public HostInfo hostInfo() {
        return call("GET", ApiPaths.HOST, null, HostInfo.class);
    }

    @Override
    public List<DomainEvent> events(int limit) {
        if (limit < 1) throw new IllegalArgumentException("limit must be positive: " + limit);
        return call("GET", ApiPaths.EVENTS + "?limit=" + limit, null, EventEntries.class).events().stream()
                .map(e -> DomainEvent.of(e.time(), e.domain(), e.kind(), e.message())).toList();
    }

    /** The events as the API sends them ({@link EventList}); each is sorted into its family on arrival. */
    record EventEntries(List<EventEntry> events) {
    }

    record EventEntry(java.time.Instant time, String domain, String kind, String message) {
    }

    @Override
    public List<String> dmesg(int lines) {
        if (lines < 1) throw new IllegalArgumentException("lines must be positive: " + lines);
        return call("GET", ApiPaths.DMESG + "?limit=" + lines, null, ResponseBody.LogLines.class).lines();
    }

    @Override
    public List<NetworkInfo> listNetworks() {
        return call("GET", ApiPaths.NETWORKS, null, ResponseBody.NetworkList.class).networks();
    }

    @Override
    public NetworkInfo createNetwork(NetworkConfig config) {
        return call("POST", ApiPaths.NETWORKS, RequestBody.CreateNetwork.of(config), NetworkInfo.class);
    }

    @Override
    public void deleteNetwork(String name) {
        call("DELETE", ApiPaths.network(name), null, Void.class);
    }

    @Override
    public List<Vif> listVifs(String ref) {
        return call("GET", ApiPaths.vifs(ref), null, ResponseBody.VifList.class).vifs();
    }

    @Override
    public Vif attachVif(String ref, VifConfig vif) {
        return call("POST", ApiPaths.vifs(ref), RequestBody.AttachVif.of(vif), Vif.class);
    }

    @Override
    public void detachVif(String ref, String device, boolean force) {
        call("DELETE", ApiPaths.vif(ref, device) + (force ? "?force=true" : ""), null, Void.class);
    }

    @Override
    public List<org.vmhost.domain.BlockDeviceInfo> listBlockDevices(String ref) {
        return call("GET", ApiPaths.disks(ref), null, ResponseBody.DiskList.class).disks();
    }

    @Override
    public org.vmhost.domain.BlockDeviceInfo attachBlockDevice(String ref, org.vmhost.domain.BlockDeviceRequest request) {
        return call("POST", ApiPaths.disks(ref), RequestBody.AttachDisk.of(request), org.vmhost.domain.BlockDeviceInfo.class);
    }

    @Override
    public void detachBlockDevice(String ref, String device, boolean force) {
        call("DELETE", ApiPaths.disk(ref, device) + (force ? "?force=true" : ""), null, Void.class);
    }

    @Override
    public org.vmhost.domain.BlockDeviceInfo configureBlockDevice(String ref, org.vmhost.domain.BlockDeviceRequest request) {
        return call("POST", ApiPaths.disk(ref, request.vdev()) + "/medium", RequestBody.ChangeMedium.of(request),
                org.vmhost.domain.BlockDeviceInfo.class);
    }

    @Override
    public List<org.vmhost.storage.ImageInfo> listImages(String pool) {
        return call("GET", ApiPaths.IMAGES + ApiPaths.poolQuery(pool), null, ResponseBody.ImageList.class).images();
    }

    @Override
    public org.vmhost.storage.ImageInfo imageInfo(String pool, String name) {
        return call("GET", ApiPaths.image(name, "", pool), null, org.vmhost.storage.ImageInfo.class);
    }

    @Override
    public org.vmhost.storage.ImageInfo createImage(String pool, String name, String format, long bytes) {
        return call("POST", ApiPaths.IMAGES, new RequestBody.CreateImage(pool, name, format, bytes), org.vmhost.storage.ImageInfo.class);
    }

    @Override
    public org.vmhost.storage.ImageInfo cloneImage(String pool, String source, String name, boolean linked) {
        return call("POST", ApiPaths.image(source, "clone", ""), new RequestBody.CloneImage(pool, name, linked),
                org.vmhost.storage.ImageInfo.class);
    }

    @Override
    public org.vmhost.storage.ImageInfo importImage(String pool, String name, String format) {
        return call("POST", ApiPaths.image(name, "import", ""), new RequestBody.ImportImage(pool, format),
                org.vmhost.storage.ImageInfo.class);
    }

    @Override
    public org.vmhost.storage.ImageInfo resizeImage(String pool, String name, long bytes, boolean shrink) {
        return call("POST", ApiPaths.image(name, "resize", ""), new RequestBody.ResizeImage(pool, bytes, shrink),
                org.vmhost.storage.ImageInfo.class);
    }

    @Override
    public void deleteImage(String pool, String name) {
        call("DELETE", ApiPaths.image(name, "", pool), null, Void.class);
    }

    @Override
    public List<org.vmhost.resources.VcpuInfo> listVcpus(String ref) {
        String path = ref == null || ref.isEmpty() ? ApiPaths.VCPUS : ApiPaths.domain(ref) + "/vcpus";
        return call("GET", path, null, ResponseBody.VcpuList.class).vcpus();
    }

    @Override
    public void pinVcpu(String ref, String vcpu, String cpus) {
        call("POST", ApiPaths.domain(ref) + "/vcpus/pin", new RequestBody.PinVcpu(vcpu, cpus), ResponseBody.VcpuList.class);
    }

    @Override
    public org.vmhost.resources.SchedulerInfo schedCredit(String ref) {
        String path = ref == null || ref.isEmpty() ? ApiPaths.SCHED_CREDIT : ApiPaths.domain(ref) + "/sched-credit";
        return call("GET", path, null, org.vmhost.resources.SchedulerInfo.class);
    }

    @Override
    public org.vmhost.resources.SchedCredit setSchedCredit(String ref, Integer weight, Integer cap) {
        return call("POST", ApiPaths.domain(ref) + "/sched-credit", new RequestBody.SetSchedCredit(weight, cap),
                org.vmhost.resources.SchedCredit.class);
    }

    @Override
    public DomainInfo setMemory(String ref, int mib) {
        return call("POST", ApiPaths.action(ref, "mem-set"), new RequestBody.SetMemory(mib), LeanAnswers::domainInfo);
    }

    @Override
    public DomainInfo setMaxMemory(String ref, int mib) {
        return call("POST", ApiPaths.action(ref, "mem-max"), new RequestBody.SetMaxMemory(mib), LeanAnswers::domainInfo);
    }

    @Override
    public DomainInfo setVcpus(String ref, int count) {
        return call("POST", ApiPaths.action(ref, "vcpu-set"), new RequestBody.SetVcpus(count), LeanAnswers::domainInfo);
    }

    @Override
    public void autostart() {
        call("POST", ApiPaths.AUTOSTART, new RequestBody.NoBody(), ResponseBody.DomainList.class);
    }

    @Override
    public void save(String ref, String file, boolean checkpoint) {
        call("POST", ApiPaths.action(ref, "save"), new RequestBody.SaveDomain(file, checkpoint), ResponseBody.Saved.class);
    }

    @Override
    public DomainInfo restore(String file, boolean paused) {
        return call("POST", ApiPaths.RESTORE, new RequestBody.RestoreDomain(file, paused), LeanAnswers::domainInfo);
    }

    @Override
    public List<org.vmhost.domain.SnapshotInfo> listSnapshots(String ref) {
        return call("GET", ApiPaths.action(ref, "snapshots"), null, ResponseBody.SnapshotList.class).snapshots();
    }

    @Override
    public org.vmhost.domain.SnapshotInfo createSnapshot(String ref, String name, boolean diskOnly) {
        return call("POST", ApiPaths.action(ref, "snapshots"), new RequestBody.CreateSnapshot(name, diskOnly),
                org.vmhost.domain.SnapshotInfo.class);
    }

    @Override
    public DomainInfo applySnapshot(String ref, String name) {
        return call("POST", ApiPaths.action(ref, "snapshots") + "/" + ApiPaths.encode(name) + "/apply",
                new RequestBody.NoBody(), LeanAnswers::domainInfo);
    }

    @Override
    public void deleteSnapshot(String ref, String name) {
        call("DELETE", ApiPaths.action(ref, "snapshots") + "/" + ApiPaths.encode(name), null, Void.class);
    }

    @Override
    public org.vmhost.monitor.StatsReport stats() {
        return call("GET", ApiPaths.STATS, null, org.vmhost.monitor.StatsReport.class);
    }

    @Override
    public org.vmhost.monitor.SeriesHistory history(String ref, String metric, java.time.Instant from, java.time.Instant to,
                                                    String resolution) {
        String base = ref.equals("Domain-0") ? ApiPaths.HOST_HISTORY : ApiPaths.domain(ref) + "/history";
        StringBuilder q = new StringBuilder("?start=").append(ApiPaths.encode(from.toString()))
                .append("&end=").append(ApiPaths.encode(to.toString()));
        if (metric != null) q.append("&metric=").append(ApiPaths.encode(metric));
        if (resolution != null && !resolution.isEmpty()) q.append("&resolution=").append(ApiPaths.encode(resolution));
        return call("GET", base + q, null, org.vmhost.monitor.SeriesHistory.class);
    }

    /** {@code xm token-create}: a new bearer token's value, which xend never shows again. */
    public String createToken(String name, Role role) {
        return call("POST", ApiPaths.TOKENS, new RequestBody.CreateToken(name, role), ResponseBody.NewToken.class).token();
    }

    /** {@code xm token-list}: the tokens' names, roles, creation times and makers. */
    public List<TokenInfo> listTokens() {
        return call("GET", ApiPaths.TOKENS, null, ResponseBody.TokenList.class).tokens().stream()
                .map(t -> new TokenInfo(t.name(), t.role(), t.created(), t.madeBy())).toList(); // madeBy: empty when absent too
    }

    /** {@code xm token-delete}. */
    public void deleteToken(String name) {
        call("DELETE", ApiPaths.TOKENS + "/" + ApiPaths.encode(name), null, Void.class);
    }

    /** {@code xm session-list}: who is logged in to the web GUI or API, and until when. */
    public List<SessionEntry> listSessions() {
        return call("GET", ApiPaths.SESSIONS, null, ResponseBody.SessionList.class).sessions().stream()
                .map(s -> new SessionEntry(s.user(), s.role(), s.expires())).toList();
    }

    /** {@code xm session-delete USER}: how many of the user's sessions ended. */
    public int deleteSessions(String user) {
        return call("DELETE", ApiPaths.SESSIONS + "/" + ApiPaths.encode(user), null, ResponseBody.SessionsEnded.class).ended();
    }

    /** A login session as {@code xm session-list} shows it: never its id or token. */
    public record SessionEntry(String user, Role role, String expires) {
    }

    /** A bearer token as {@code xm token-list} shows it: never its value; {@code madeBy} empty if not kept. */
    public record TokenInfo(String name, Role role, String created, Optional<String> madeBy) {
    }

    /** Reads an answer's body. */
    private interface Reader<T> {
        T read(byte[] body) throws IOException;
    }

    private <T> T call(String method, String path, RequestBody body, Class<T> answer) {
        return call(method, path, body, answer == Void.class ? null : b -> Json.readResponse(b, answer));
    }

    /** One exchange; {@code answer} null for none. A record is bound by reflection only for an answer that needs it. */
    private <T> T call(String method, String path, RequestBody body, Reader<T> answer) {
        return call(method, path, body, ApiPaths.JSON, answer == null ? null : exchange -> answer.read(exchange.body()));
    }

    private interface ExchangeReader<T> {
        T read(UnixSocketHttp.Exchange exchange) throws IOException;
    }

    /** As above, asking for an answer of the media type {@code accept}, read whole. */
    private <T> T call(String method, String path, RequestBody body, String accept, ExchangeReader<T> answer) {
        UnixSocketHttp.Exchange exchange;
        try {
            exchange = http.send(method, path, body == null ? null
                    : body instanceof CreateDomain create ? LeanRequests.createDomain(create) : Json.write(body), accept);
        } catch (UnixSocketHttp.ConnectFailed e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "Unable to connect to xend: " + e.getMessage()
                    + ". Is xend running?", e);
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "Lost connection to xend during " + method + " " + path
                    + ": " + e.getMessage(), e);
        }
        observer.accept(exchange);
        if (exchange.status() >= 400) throw failure(exchange);
        if (answer == null) return null;
        try {
            return answer.read(exchange);
        } catch (IOException e) {
            throw unreadable(exchange, e);
        }
    }

    /** The exception xend reported; a code this client does not know becomes INTERNAL, message kept. */
    private static VmhostException failure(UnixSocketHttp.Exchange exchange) {
        try {
            return LeanAnswers.error(exchange.body());
        } catch (IOException | RuntimeException lean) {
            // not the usual shape: read as before, a code this xm does not know kept in the message
        }
        try {
            return Json.readResponse(exchange.body(), ErrorBody.class).toException();
        } catch (IOException | RuntimeException e) {
            try {
                JsonValue error = Json.readResponse(exchange.body(), JsonValue.class).path("error");
                if (error.path("message").isTextual())
                    return new VmhostException(ErrorCode.INTERNAL, error.path("message").asText() + " ("
                            + error.path("code").asText("no code") + ")");
            } catch (IOException ignored) {
                // not JSON at all: reported below
            }
            return unreadable(exchange, e);
        }
    }

    private static VmhostException unreadable(UnixSocketHttp.Exchange exchange, Exception e) {
        return new VmhostException(ErrorCode.INTERNAL, "xend's answer to " + exchange.method() + " " + exchange.path()
                + " (HTTP " + exchange.status() + ") is unreadable: " + e.getMessage(), e);
    }
}
