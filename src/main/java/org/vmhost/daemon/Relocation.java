package org.vmhost.daemon;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.vmhost.api.PeerKeys;
import org.vmhost.domain.LocalDomainService;
import org.vmhost.domain.XendHome;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.relocation.RelocationServer;

/**
 * xend.conf's relocation settings, as xend-config.sxp's {@code xend-relocation-*} were: the server is off unless
 * {@code relocation_server = 1}; it listens on {@code relocation_address} (default all) port
 * {@code relocation_port} (8002) for peers matching {@code relocation_hosts_allow}.
 */
record Relocation(boolean on, String address, int port, List<Pattern> hostsAllow, long maxDowntimeMs) {
    private static final Logger LOG = Logger.getLogger(Relocation.class.getName());

    static Relocation of(XendSettings settings) {
        List<Pattern> allow = new ArrayList<>();
        for (String re : settings.strings("relocation_hosts_allow")) {
            try {
                allow.add(Pattern.compile(re));
            } catch (PatternSyntaxException e) {
                throw new VmhostException(ErrorCode.INVALID_CONFIG, settings.source() + ": relocation_hosts_allow: '" + re
                        + "' is not a regular expression: " + e.getDescription());
            }
        }
        String address = settings.string("relocation_address", "0.0.0.0");
        if (!address.matches("[A-Za-z0-9.:_-]+"))
            throw new VmhostException(ErrorCode.INVALID_CONFIG, settings.source() + ": relocation_address: '" + address + "' is not an address");
        return new Relocation(settings.bool("relocation_server", false), address,
                (int) settings.integer("relocation_port", 8002, 1, 65535), allow,
                settings.integer("migration_max_downtime_ms", 300, 1, 600_000));
    }

    /** Starts the server if it is on; null if it is off. */
    RelocationServer start(XendHome home, LocalDomainService service) {
        if (!on) return null;
        PeerKeys keys = PeerKeys.load(home.tokenFile(), address);
        RelocationServer server = new RelocationServer(address, port, hostsAllow, keys.context(),
                PeerKeys.adminTokens(home.tokenFile()), service.relocationHandler());
        server.start();
        LOG.info("relocation server on " + address + ":" + server.port() + (hostsAllow.isEmpty() ? "" : " for hosts " + hostsAllow)
                + "; certificate SHA-256 " + keys.fingerprint());
        return server;
    }
}
