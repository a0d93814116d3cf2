package org.vmhost.api;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.host.HostCommand;

/**
 * Who is at the other end of the UNIX socket, from the kernel (SO_PEERCRED), as libvirt checks its socket's
 * peers. The socket's mode already keeps everyone else out (0600 root, or 0660 with {@code unix_sock_group});
 * this check holds even if that mode is loosened by hand. Root, xend's own user and members of the group are
 * administrators; anyone else is refused.
 */
final class SocketPeers {
    private static final Duration MEMBERS_CACHE = Duration.ofSeconds(10);

    private final Optional<String> group;
    private final String self = System.getProperty("user.name");
    private volatile List<String> members = List.of();
    private volatile Instant membersRead = Instant.MIN;

    SocketPeers(Optional<String> group) {
        this.group = group;
    }

    Caller identify(Exchange ctx) {
        return grant(ctx).caller();
    }

    /** The peer as {@link #identify} admits it, and whether it still would: a member who left the group would not. */
    OpenSockets.Grant grant(Exchange ctx) {
        UnixDomainPrincipal peer = peer(ctx);
        String user = peer.user().getName();
        if (allowed(peer))
            return new OpenSockets.Grant(new Caller(user, Role.ADMIN, "socket"), "socket:" + user, () -> allowed(peer));
        throw new VmhostException(ErrorCode.UNAUTHORIZED, "user '" + user + "' may not use xend's socket: it is for root"
                + group.map(g -> " and members of group '" + g + "'").orElse(" (set unix_sock_group in xend.conf to let a group in)"));
    }

    private boolean allowed(UnixDomainPrincipal peer) {
        String user = peer.user().getName();
        return user.equals("root") || user.equals(self) || inGroup(peer);
    }

    private boolean inGroup(UnixDomainPrincipal peer) {
        if (group.isEmpty()) return false;
        if (peer.group().getName().equals(group.get())) return true;
        return members().contains(peer.user().getName());
    }

    /** The group's listed members, from NSS (getent), read at most every few seconds. */
    private List<String> members() {
        if (Instant.now().isAfter(membersRead.plus(MEMBERS_CACHE))) {
            HostCommand.Result r = HostCommand.of("getent", "group", group.get()).timeout(Duration.ofSeconds(5)).tryRun();
            String[] fields = r.ok() ? r.output().strip().split(":", -1) : new String[0];
            members = fields.length == 4 && !fields[3].isEmpty() ? List.of(fields[3].split(",")) : List.of();
            membersRead = Instant.now();
        }
        return members;
    }

    private static UnixDomainPrincipal peer(Exchange ctx) {
        EndPoint endPoint = ctx.endPoint();
        if (endPoint instanceof SocketChannelEndPoint channelEndPoint && channelEndPoint.getChannel() instanceof SocketChannel ch) {
            try {
                return ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            } catch (IOException | UnsupportedOperationException e) {
                throw new VmhostException(ErrorCode.UNAUTHORIZED, "cannot tell who is on xend's socket: " + e.getMessage());
            }
        }
        throw new VmhostException(ErrorCode.UNAUTHORIZED, "cannot tell who is on xend's socket");
    }
}
