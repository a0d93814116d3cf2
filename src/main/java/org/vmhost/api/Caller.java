package org.vmhost.api;

import java.util.Objects;

/**
 * Who sent a request, as the access check established it.
 *
 * @param name the user's or token's name ({@code root}, {@code alice}, {@code token:ci})
 * @param role what it may do
 * @param via  how it proved it: {@code socket}, {@code token}, {@code session}
 */
record Caller(String name, Role role, String via) {
    Caller {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(via, "via");
    }
}
