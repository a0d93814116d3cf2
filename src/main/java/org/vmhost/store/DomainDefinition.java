package org.vmhost.store;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A domain as xend keeps it: the configuration text as the user wrote it (with whatever overrides the
 * caller applied), not a parsed model, so that an upgraded parser reads it afresh and {@code xm} can
 * export it unchanged.
 *
 * @param uuid       the domain's UUID in canonical lower-case form; the key
 * @param name       unique among all stored domains
 * @param configText the xm/xl configuration text
 * @param sourceName where the text came from (a config file name), or null when it came from the API
 * @param managed    true for {@code xm new} domains, false for transient {@code xm create} ones, which are
 *                   stored only while they run so that a restarted xend knows them
 * @param autostart  start with xend, as {@code /etc/xen/auto}
 * @param createdAt  when the domain was first defined or created
 */
public record DomainDefinition(String uuid, String name, String configText, String sourceName,
                               boolean managed, boolean autostart, Instant createdAt) {
    public DomainDefinition {
        requireCanonicalUuid(uuid);
        requireName(name);
        Objects.requireNonNull(configText, "configText");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** The same definition under another name. */
    public DomainDefinition withName(String newName) {
        return new DomainDefinition(uuid, newName, configText, sourceName, managed, autostart, createdAt);
    }

    static void requireName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) throw new IllegalArgumentException("domain name is blank");
    }

    // One spelling per UUID, so that lookups by UUID never miss on letter case.
    static void requireCanonicalUuid(String uuid) {
        Objects.requireNonNull(uuid, "uuid");
        boolean canonical;
        try {
            canonical = UUID.fromString(uuid).toString().equals(uuid);
        } catch (IllegalArgumentException e) {
            canonical = false;
        }
        if (!canonical) throw new IllegalArgumentException("not a canonical lower-case UUID: " + uuid);
    }
}
