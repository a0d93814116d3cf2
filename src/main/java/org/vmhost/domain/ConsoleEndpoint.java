package org.vmhost.domain;

import java.util.Objects;

/**
 * Where a running domain's serial console is served.
 *
 * @param socket a UNIX socket on xend's host, open to its owner only, carrying the console's bytes both ways
 */
public record ConsoleEndpoint(String socket) {
    public ConsoleEndpoint {
        Objects.requireNonNull(socket, "socket");
    }
}
