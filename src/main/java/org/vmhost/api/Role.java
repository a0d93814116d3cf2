package org.vmhost.api;

/**
 * What a caller may do. An administrator (root, a member of {@code unix_sock_group}, an admin token) may change
 * anything; a viewer (a host user outside that group, a viewer token) may only look, and never at xend's own
 * log or a console.
 */
public enum Role {
    VIEWER, ADMIN;

    boolean allows(Role needed) {
        return compareTo(needed) >= 0;
    }
}
