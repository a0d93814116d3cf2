package org.vmhost.domain;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.vmhost.config.VfbConfig;
import org.vmhost.console.VncRelay;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * The graphical consoles of running domains: a {@link VncRelay} per domain, made when a client first asks for
 * it (most domains' displays are never opened) and closed with the domain's run. The relay answers QEMU's VNC
 * password itself, so the password stays in xend.
 */
final class Displays {
    /** QEMU's VNC socket in a run directory, and the relay's beside it. */
    static final String QEMU_SOCKET = "vnc.sock";
    static final String RELAY_SOCKET = "xmvnc.sock";

    private final Map<Path, VncRelay> relays = new ConcurrentHashMap<>();

    /** The relay of a running domain's display, started if it is not yet. */
    VncRelay relay(Domain d, DomainRuntime rt) {
        VfbConfig vfb = d.config().vfbs().stream().filter(VfbConfig::vnc).findFirst()
                .orElseThrow(() -> new VmhostException(ErrorCode.NO_SUCH_DEVICE, "domain '" + d.name()
                        + "' has no graphical console (no vnc in its configuration)"));
        if (vfb.vnclisten().isPresent())
            throw new VmhostException(ErrorCode.NO_SUCH_DEVICE, "domain '" + d.name() + "' serves its display on TCP (vnclisten="
                    + vfb.vnclisten().get() + ") for VNC viewers; xend relays only a display on its private socket "
                    + "(leave vnclisten out)");
        Optional<String> password = vfb.vncpasswd().filter(p -> !p.isEmpty());
        return relays.compute(rt.runDir(), (dir, old) -> {
            if (old != null && old.isListening()) return old;
            if (old != null) old.close();
            VncRelay relay = new VncRelay(d.name(), dir.resolve(QEMU_SOCKET), password, dir.resolve(RELAY_SOCKET));
            try {
                relay.start();
            } catch (IOException e) {
                throw new VmhostException(ErrorCode.HOST_FAILED, "cannot open the graphical console of domain '" + d.name()
                        + "': " + e.getMessage(), e);
            }
            return relay;
        });
    }

    /** Ends the relay of a run that ends (its clients are disconnected). */
    void close(DomainRuntime rt) {
        VncRelay relay = relays.remove(rt.runDir());
        if (relay != null) relay.close();
    }

    void closeAll() {
        relays.values().forEach(VncRelay::close);
        relays.clear();
    }
}
