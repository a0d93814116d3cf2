package org.vmhost.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Optional;
import org.vmhost.config.ConfigValueException;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.config.VifConfig;
import org.vmhost.config.VifSpec;
import org.vmhost.domain.DomainRequest;
import org.vmhost.network.NetworkConfig;
import org.vmhost.network.NetworkType;

/**
 * The bodies the API accepts, one record per kind of request. Creating a domain and acting on an existing
 * one are different types; each constructor checks its fields, and a broken rule becomes a
 * {@code BAD_REQUEST} naming the field. The server reads them and the client writes them, so both ends share
 * one definition.
 */
sealed interface RequestBody {

    /** Longest wait a client may ask for, so that a request cannot hold a connection forever. */
    int MAX_WAIT_SECONDS = 3600;

    /**
     * {@code POST /api/v1/domains}: {@code xm create} ({@code start}, the default) or {@code xm new}
     * ({@code start=false}).
     */
    record CreateDomain(String sourceName, String configText, List<String> overrides, boolean start,
                        boolean paused) implements RequestBody {
        public CreateDomain {
            if (sourceName == null || sourceName.isBlank()) throw missing("sourceName");
            if (configText == null) throw missing("configText");
            if (overrides == null) overrides = List.of();
            if (overrides.stream().anyMatch(Objects::isNull))
                throw new IllegalArgumentException("field 'overrides' must hold strings, not null");
            overrides = List.copyOf(overrides);
            if (paused && !start) throw new IllegalArgumentException("field 'paused' needs 'start' to be true");
        }

        /** Reads the optional fields with their defaults: {@code start} true, {@code paused} false. */
        @JsonCreator
        static CreateDomain fromJson(@JsonProperty("sourceName") String sourceName,
                                     @JsonProperty("configText") String configText,
                                     @JsonProperty("overrides") List<String> overrides,
                                     @JsonProperty("start") Boolean start,
                                     @JsonProperty("paused") Boolean paused) {
            return new CreateDomain(sourceName, configText, overrides, start == null || start,
                    paused != null && paused);
        }

        static CreateDomain of(DomainRequest request, boolean start, boolean paused) {
            return new CreateDomain(request.sourceName(), request.configText(), request.overrides(), start, paused);
        }

        DomainRequest toRequest() {
            return new DomainRequest(sourceName, configText, overrides);
        }
    }

    /**
     * {@code PUT .../config}: a managed domain's definition replaced by edited xm text, with {@code key=value}
     * overrides applied on top (the hardware editor's form sends those).
     */
    record EditConfig(String sourceName, String configText, List<String> overrides) implements RequestBody {
        public EditConfig {
            if (sourceName == null || sourceName.isBlank()) throw missing("sourceName");
            if (configText == null) throw missing("configText");
            if (overrides == null) overrides = List.of();
            if (overrides.stream().anyMatch(Objects::isNull))
                throw new IllegalArgumentException("field 'overrides' must hold strings, not null");
            overrides = List.copyOf(overrides);
        }

        static EditConfig of(DomainRequest request) {
            return new EditConfig(request.sourceName(), request.configText(), request.overrides());
        }

        DomainRequest toRequest() {
            return new DomainRequest(sourceName, configText, overrides);
        }
    }

    /** {@code POST .../start}. */
    record StartDomain(boolean paused) implements RequestBody {
        @JsonCreator
        static StartDomain fromJson(@JsonProperty("paused") Boolean paused) {
            return new StartDomain(paused != null && paused);
        }
    }

    /** {@code POST .../shutdown} and {@code .../reboot}: how long to wait for the guest; no wait when absent. */
    @JsonInclude(JsonInclude.Include.NON_ABSENT)
    record WaitFor(OptionalInt waitSeconds) implements RequestBody {
        public WaitFor {
            if (waitSeconds == null) waitSeconds = OptionalInt.empty();
            if (waitSeconds.isPresent() && (waitSeconds.getAsInt() < 0 || waitSeconds.getAsInt() > MAX_WAIT_SECONDS))
                throw new IllegalArgumentException("field 'waitSeconds' must be from 0 to " + MAX_WAIT_SECONDS);
        }

        /** Whole seconds, rounded up, at most {@link #MAX_WAIT_SECONDS}; no wait for a zero duration. */
        static WaitFor of(Duration wait) {
            if (wait.isNegative()) throw new IllegalArgumentException("negative wait: " + wait);
            if (wait.isZero()) return new WaitFor(OptionalInt.empty());
            long seconds = wait.toSeconds() + (wait.toNanosPart() > 0 ? 1 : 0);
            return new WaitFor(OptionalInt.of((int) Math.min(seconds, MAX_WAIT_SECONDS)));
        }

        @JsonIgnore
        Duration duration() {
            return Duration.ofSeconds(waitSeconds.orElse(0));
        }
    }

    /** {@code POST .../rename}. */
    record RenameDomain(String name) implements RequestBody {
        public RenameDomain {
            if (name == null || name.isEmpty()) throw missing("name");
        }
    }

    /**
     * {@code POST .../migrate}: {@code xm migrate}. {@code port} defaults to 8002; {@code token} is an administrator's
     * token of the destination, {@code fingerprint} the SHA-256 of its certificate.
     */
    record MigrateDomain(String host, Integer port, Boolean live, Boolean copyStorage, String token, String fingerprint)
            implements RequestBody {
        public MigrateDomain {
            if (host == null || host.isBlank()) throw missing("host");
            if (token == null || token.isBlank()) throw missing("token");
            if (fingerprint == null || fingerprint.isBlank()) throw missing("fingerprint");
        }

        org.vmhost.domain.MigrationRequest toRequest() {
            try {
                return new org.vmhost.domain.MigrationRequest(host, port == null ? org.vmhost.domain.MigrationRequest.RELOCATION_PORT : port,
                        Boolean.TRUE.equals(live), Boolean.TRUE.equals(copyStorage), token, fingerprint);
            } catch (IllegalArgumentException e) {
                throw new VmhostException(ErrorCode.BAD_REQUEST, e.getMessage());
            }
        }

        /** Never shows the token. */
        @Override
        public String toString() {
            return "MigrateDomain[host=" + host + ", port=" + port + ", token=XXXXXXXX]";
        }
    }

    /** {@code POST .../vcpus/pin}: {@code xm vcpu-pin}; vcpu a number or "all", cpus Xen's syntax or "all". */
    record PinVcpu(String vcpu, String cpus) implements RequestBody {
        public PinVcpu {
            if (vcpu == null || vcpu.isBlank()) throw missing("vcpu");
            if (cpus == null || cpus.isBlank()) throw missing("cpus");
        }
    }

    /** {@code POST .../sched-credit}: {@code xm sched-credit -d DOM -w WEIGHT -c CAP}; an absent one stays. */
    record SetSchedCredit(Integer weight, Integer cap) implements RequestBody {
    }

    /** {@code POST .../save}: {@code xm save [-c] DOM FILE}; FILE is absolute, on xend's host. */
    record SaveDomain(String file, boolean checkpoint) implements RequestBody {
        @JsonCreator
        static SaveDomain fromJson(@JsonProperty("file") String file, @JsonProperty("checkpoint") Boolean checkpoint) {
            if (file == null || file.isEmpty()) throw missing("file");
            return new SaveDomain(file, checkpoint != null && checkpoint);
        }
    }

    /** {@code POST /api/v1/restore}: {@code xm restore [-p] FILE}. */
    record RestoreDomain(String file, boolean paused) implements RequestBody {
        @JsonCreator
        static RestoreDomain fromJson(@JsonProperty("file") String file, @JsonProperty("paused") Boolean paused) {
            if (file == null || file.isEmpty()) throw missing("file");
            return new RestoreDomain(file, paused != null && paused);
        }
    }

    /** {@code POST .../snapshots}: {@code xm snapshot-create [-d] DOM NAME}. */
    record CreateSnapshot(String name, boolean diskOnly) implements RequestBody {
        @JsonCreator
        static CreateSnapshot fromJson(@JsonProperty("name") String name, @JsonProperty("diskOnly") Boolean diskOnly) {
            if (name == null || name.isEmpty()) throw missing("name");
            return new CreateSnapshot(name, diskOnly != null && diskOnly);
        }
    }

    /** {@code POST .../mem-set}: {@code xm mem-set DOM MB}. */
    record SetMemory(Integer memory) implements RequestBody {
        public SetMemory {
            if (memory == null) throw missing("memory");
        }
    }

    /** {@code POST .../mem-max}: {@code xm mem-max DOM MB}. */
    record SetMaxMemory(Integer maxmem) implements RequestBody {
        public SetMaxMemory {
            if (maxmem == null) throw missing("maxmem");
        }
    }

    /** {@code POST .../vcpu-set}: {@code xm vcpu-set DOM N}. */
    record SetVcpus(Integer vcpus) implements RequestBody {
        public SetVcpus {
            if (vcpus == null) throw missing("vcpus");
        }
    }

    /** {@code POST /api/v1/networks}: {@code xm net-create}. */
    record CreateNetwork(String name, String type, String bridge, String subnet, String uplink) implements RequestBody {
        public CreateNetwork {
            if (name == null || name.isBlank()) throw missing("name");
            if (type == null || type.isBlank()) throw missing("type");
            if (bridge == null || bridge.isBlank()) throw missing("bridge");
        }

        static CreateNetwork of(NetworkConfig config) {
            return new CreateNetwork(config.name(), config.type().configName(), config.bridge(), config.subnet().orElse(null),
                    config.uplink().orElse(null));
        }

        /** The network asked for; a broken rule is an {@code IllegalArgumentException}, answered as BAD_REQUEST. */
        NetworkConfig toConfig() {
            return new NetworkConfig(name, NetworkType.fromConfigName(type), bridge, Optional.ofNullable(subnet),
                    Optional.ofNullable(uplink));
        }
    }

    /** {@code POST .../vifs}: {@code xm network-attach}; every field may be left out. */
    record AttachVif(String mac, String bridge, String model, String rate, String vifname) implements RequestBody {
        static AttachVif of(VifConfig vif) {
            return new AttachVif(vif.mac().orElse(null), vif.bridge().orElse(null), vif.model().orElse(null),
                    vif.rate().orElse(null), vif.vifname().orElse(null));
        }

        VifConfig toConfig() {
            StringBuilder spec = new StringBuilder();
            add(spec, "mac", mac);
            add(spec, "bridge", bridge);
            add(spec, "model", model);
            add(spec, "rate", rate);
            add(spec, "vifname", vifname);
            try {
                return VifSpec.parse(spec.toString(), warning -> { });
            } catch (ConfigValueException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
        }

        private static void add(StringBuilder spec, String key, String value) {
            if (value == null) return;
            if (value.indexOf(',') >= 0) throw new IllegalArgumentException("field '" + key + "' must not contain a comma");
            if (spec.length() > 0) spec.append(',');
            spec.append(key).append('=').append(value);
        }
    }

    /** {@code POST .../disks}: {@code xm block-attach}; the mode is {@code w} when left out. */
    record AttachDisk(String backend, String vdev, String mode) implements RequestBody {
        public AttachDisk {
            if (backend == null || backend.isBlank()) throw missing("backend");
            if (vdev == null || vdev.isBlank()) throw missing("vdev");
            if (mode == null || mode.isBlank()) mode = "w";
        }

        static AttachDisk of(org.vmhost.domain.BlockDeviceRequest request) {
            return new AttachDisk(request.backend(), request.vdev(), request.mode());
        }

        org.vmhost.domain.BlockDeviceRequest toRequest() {
            return new org.vmhost.domain.BlockDeviceRequest(backend, vdev, mode);
        }
    }

    /** {@code POST .../disks/{disk}/medium}: {@code xm block-configure}; no backend ejects the medium. */
    record ChangeMedium(String backend, String mode) implements RequestBody {
        public ChangeMedium {
            if (backend == null) backend = "";
            if (mode == null || mode.isBlank()) mode = "r";
        }

        static ChangeMedium of(org.vmhost.domain.BlockDeviceRequest request) {
            return new ChangeMedium(request.backend(), request.mode());
        }

        org.vmhost.domain.BlockDeviceRequest toRequest(String vdev) {
            return new org.vmhost.domain.BlockDeviceRequest(backend, vdev, mode);
        }
    }

    /** {@code POST /api/v1/images}: {@code xm image-create}; the format is raw when left out. */
    record CreateImage(String pool, String name, String format, long size) implements RequestBody {
        public CreateImage {
            if (name == null || name.isBlank()) throw missing("name");
            if (format == null || format.isBlank()) format = "raw";
            if (pool == null) pool = "";
            if (size < 1) throw new IllegalArgumentException("field 'size' must be a positive number of bytes");
        }
    }

    /** {@code POST /api/v1/images/{image}/clone}: {@code xm image-clone}; a full copy unless {@code linked}. */
    record CloneImage(String pool, String name, boolean linked) implements RequestBody {
        public CloneImage {
            if (name == null || name.isBlank()) throw missing("name");
            if (pool == null) pool = "";
        }

        @JsonCreator
        static CloneImage fromJson(@JsonProperty("pool") String pool, @JsonProperty("name") String name,
                                   @JsonProperty("linked") Boolean linked) {
            return new CloneImage(pool, name, linked != null && linked);
        }
    }

    /** {@code POST /api/v1/images/{image}/import}: {@code xm image-import}; the format is required, never guessed. */
    record ImportImage(String pool, String format) implements RequestBody {
        public ImportImage {
            if (format == null || format.isBlank()) throw missing("format");
            if (pool == null) pool = "";
        }
    }

    /** {@code POST /api/v1/images/{image}/resize}: {@code xm image-resize}. */
    record ResizeImage(String pool, long size, boolean shrink) implements RequestBody {
        public ResizeImage {
            if (pool == null) pool = "";
            if (size < 1) throw new IllegalArgumentException("field 'size' must be a positive number of bytes");
        }

        @JsonCreator
        static ResizeImage fromJson(@JsonProperty("pool") String pool, @JsonProperty("size") Long size,
                                    @JsonProperty("shrink") Boolean shrink) {
            if (size == null) throw missing("size");
            return new ResizeImage(pool, size, shrink != null && shrink);
        }
    }

    /** The actions that take no parameters: the body is empty or {@code {}}. */
    /** {@code POST /api/v1/session}: a login with a host account, checked by PAM. */
    record Login(String user, String password) implements RequestBody {
        public Login {
            if (user == null || user.isEmpty()) throw missing("user");
            if (password == null) throw missing("password");
        }

        /** Never the password, should a record ever be printed. */
        @Override
        public String toString() {
            return "Login[user=" + user + "]";
        }
    }

    /** {@code POST /api/v1/tokens}: {@code xm token-create [--viewer] NAME}. */
    record CreateToken(String name, Role role) implements RequestBody {
        public CreateToken {
            if (name == null || name.isEmpty()) throw missing("name");
            if (role == null) role = Role.ADMIN;
        }
    }

    record NoBody() implements RequestBody {
    }

    private static IllegalArgumentException missing(String field) {
        return new IllegalArgumentException("field '" + field + "' is required");
    }
}
