package org.vmhost.api;

import java.time.Duration;

/** How soon xend acts on a credential or role that changed, for tests outside this package to wait as long. */
public final class AccessTimes {
    /** How long an account's role is taken as read ({@link AccountRoles#CACHE}). */
    public static final Duration ROLE_CACHE = AccountRoles.CACHE;
    /** How often open WebSockets' credentials are checked again ({@link OpenSockets#RECHECK}). */
    public static final Duration SOCKET_RECHECK = OpenSockets.RECHECK;

    private AccessTimes() {
    }
}
