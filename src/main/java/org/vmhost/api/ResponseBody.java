package org.vmhost.api;

import java.util.List;
import java.util.Objects;
import org.vmhost.event.DomainEvent;
import org.vmhost.domain.DomainInfo;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.network.NetworkInfo;
import org.vmhost.network.Vif;

/**
 * The bodies the API answers with, besides the domain package's own views ({@code DomainInfo},
 * {@code HostInfo}). Lists are wrapped in an object so that fields can be added to them later.
 */
sealed interface ResponseBody {

    /** {@code GET /api/v1/domains}. */
    record DomainList(List<DomainInfo> domains) implements ResponseBody {
        public DomainList {
            domains = List.copyOf(domains);
        }
    }

    /** {@code POST .../migrate}: the domain now runs on that host. */
    record Migrated(String domain, String host) implements ResponseBody {
    }

    /** {@code GET /api/v1/vcpus} and {@code GET /api/v1/domains/{ref}/vcpus}: {@code xm vcpu-list}. */
    record VcpuList(List<org.vmhost.resources.VcpuInfo> vcpus) implements ResponseBody {
        public VcpuList {
            vcpus = List.copyOf(vcpus);
        }
    }

    /** {@code GET /api/v1/networks}. */
    record NetworkList(List<NetworkInfo> networks) implements ResponseBody {
        public NetworkList {
            networks = List.copyOf(networks);
        }
    }

    /** {@code GET /api/v1/domains/{ref}/vifs}. */
    record VifList(List<Vif> vifs) implements ResponseBody {
        public VifList {
            vifs = List.copyOf(vifs);
        }
    }

    /** {@code GET /api/v1/domains/{ref}/disks}: {@code xm block-list}. */
    record SnapshotList(List<org.vmhost.domain.SnapshotInfo> snapshots) implements ResponseBody {
        public SnapshotList {
            snapshots = List.copyOf(snapshots);
        }
    }

    /** {@code POST .../save}: where the domain's state was written. */
    record Saved(String file) implements ResponseBody {}

    record DiskList(List<org.vmhost.domain.BlockDeviceInfo> disks) implements ResponseBody {
        public DiskList {
            disks = List.copyOf(disks);
        }
    }

    /** {@code GET /api/v1/images}: {@code xm image-list}. */
    record ImageList(List<org.vmhost.storage.ImageInfo> images) implements ResponseBody {
        public ImageList {
            images = List.copyOf(images);
        }
    }

    /** {@code GET /api/v1/pools}: the storage pools, xend's own first. */
    record PoolList(List<org.vmhost.storage.PoolInfo> pools) implements ResponseBody {
        public PoolList {
            pools = List.copyOf(pools);
        }
    }

    /** {@code GET /api/v1/dmesg}. */
    record LogLines(List<String> lines) implements ResponseBody {
        public LogLines {
            lines = List.copyOf(lines);
        }
    }

    /** {@code GET /api/v1/events}. */
    record EventList(List<DomainEvent> events) implements ResponseBody {
        public EventList {
            events = List.copyOf(events);
        }
    }

    /** The one error body: {@code {"error":{"code":"NO_SUCH_DOMAIN","message":"domain 'x' does not exist"}}}. */
    /** Who the caller is; the CSRF token only for a browser session, which must repeat it on every change. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record SessionInfo(String user, Role role, String via, String csrfToken) implements ResponseBody {
    }

    /** A token just made: the only answer that ever carries its value. */
    record NewToken(String name, Role role, String created, String token) implements ResponseBody {
    }

    /** {@code xm session-list}: who is logged in, never a session's id or token. */
    record SessionList(List<SessionSummary> sessions) implements ResponseBody {
        /** @param role the role it logged in with (each request takes the user's role now) */
        record SessionSummary(String user, Role role, String expires) {
        }
    }

    /** {@code xm session-delete}: how many of the user's sessions ended. */
    record SessionsEnded(String user, int ended) implements ResponseBody {
    }

    /** {@code xm token-list}: names, roles and who made them, never values or hashes. */
    record TokenList(List<TokenSummary> tokens) implements ResponseBody {
        /** @param madeBy empty for a token made by an xend before this was kept */
        record TokenSummary(String name, Role role, String created, java.util.Optional<String> madeBy) {
        }
    }

    record ErrorBody(Detail error) implements ResponseBody {
        public ErrorBody {
            Objects.requireNonNull(error, "error");
        }

        static ErrorBody of(VmhostException failure) {
            return new ErrorBody(new Detail(failure.code(), failure.getMessage()));
        }

        VmhostException toException() {
            return new VmhostException(error.code(), error.message());
        }

        record Detail(ErrorCode code, String message) {
            public Detail {
                Objects.requireNonNull(code, "code");
                Objects.requireNonNull(message, "message");
            }
        }
    }
}
