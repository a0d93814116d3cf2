package org.vmhost.event;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of the event log that xend keeps: what happened to which domain, and when. A closed set of
 * families, one record each, so that a reader (xm log, the web GUI) can switch over them; {@link #of} sorts
 * a logged kind into its family. {@link Other} holds a kind this xend does not know, as an older or newer one
 * may have written it: the log is read back, never rewritten.
 */
public sealed interface DomainEvent
        permits DomainEvent.Lifecycle, DomainEvent.Devices, DomainEvent.Images, DomainEvent.Networks, DomainEvent.Resources,
                DomainEvent.Saves, DomainEvent.Migrations, DomainEvent.Other {

    /** When. */
    Instant time();

    /** The domain's name at the time ({@code Domain-0} for the host's own: images, networks). */
    String domain();

    /** A short word: started, paused, crashed, block-attach, ... */
    String kind();

    /** A sentence for people. */
    String message();

    /** The entry of this kind, in its family. */
    static DomainEvent of(Instant time, String domain, String kind, String message) {
        Objects.requireNonNull(kind, "kind");
        if (Lifecycle.KINDS.contains(kind)) return new Lifecycle(time, domain, kind, message);
        if (Devices.KINDS.contains(kind)) return new Devices(time, domain, kind, message);
        if (Images.KINDS.contains(kind)) return new Images(time, domain, kind, message);
        if (Networks.KINDS.contains(kind)) return new Networks(time, domain, kind, message);
        if (Resources.KINDS.contains(kind)) return new Resources(time, domain, kind, message);
        if (Saves.KINDS.contains(kind)) return new Saves(time, domain, kind, message);
        if (Migrations.KINDS.contains(kind)) return new Migrations(time, domain, kind, message);
        return new Other(time, domain, kind, message);
    }

    /** A domain was defined, started, stopped, changed state, or found again by a new xend. */
    record Lifecycle(Instant time, String domain, String kind, String message) implements DomainEvent {
        public static final Set<String> KINDS = Set.of("defined", "redefined", "deleted", "renamed", "started", "start-failed",
                "start-interrupted", "shutdown", "reboot", "rebooted", "reset", "paused", "unpaused", "destroyed",
                "poweroff", "crashed", "not-restarted", "reattached", "killed", "unreadable");

        public Lifecycle {
            check(time, domain, kind, message, KINDS);
        }
    }

    /** A disk or NIC of a domain came, went or changed (hot-plug, CD-ROM media, a NIC's network fallback). */
    record Devices(Instant time, String domain, String kind, String message) implements DomainEvent {
        public static final Set<String> KINDS = Set.of("block-attach", "block-detach", "block-configure",
                "network-attach", "network-detach", "network-fallback");

        public Devices {
            check(time, domain, kind, message, KINDS);
        }
    }

    /** An image in a storage pool was made, cloned, resized or deleted. */
    record Images(Instant time, String domain, String kind, String message) implements DomainEvent {
        public static final Set<String> KINDS = Set.of("image-created", "image-cloned", "image-imported", "image-resized",
                "image-deleted");

        public Images {
            check(time, domain, kind, message, KINDS);
        }
    }

    /** A network for guests was made or removed. */
    record Networks(Instant time, String domain, String kind, String message) implements DomainEvent {
        public static final Set<String> KINDS = Set.of("network-created", "network-deleted");

        public Networks {
            check(time, domain, kind, message, KINDS);
        }
    }

    /** A running domain's share of the host changed: memory, vCPU placement, scheduler weight or cap. */
    record Resources(Instant time, String domain, String kind, String message) implements DomainEvent {
        public static final Set<String> KINDS = Set.of("mem-set", "mem-max", "sched-credit", "vcpu-pin", "vcpu-set");

        public Resources {
            check(time, domain, kind, message, KINDS);
        }
    }

    /** A domain's state went to a file or a snapshot, or came back from one. */
    record Saves(Instant time, String domain, String kind, String message) implements DomainEvent {
        public static final Set<String> KINDS = Set.of("saved", "save-failed", "restored", "snapshot-created",
                "snapshot-applied", "snapshot-deleted");

        public Saves {
            check(time, domain, kind, message, KINDS);
        }
    }

    /** A domain moved to or from another host, or failed to. */
    record Migrations(Instant time, String domain, String kind, String message) implements DomainEvent {
        public static final Set<String> KINDS = Set.of("migrating-in", "migrated", "migrate-failed", "migrate-aborted");

        public Migrations {
            check(time, domain, kind, message, KINDS);
        }
    }

    /** A kind this xend does not know: logged by another version. Kept as it was written. */
    record Other(Instant time, String domain, String kind, String message) implements DomainEvent {
        public Other {
            Objects.requireNonNull(time);
            Objects.requireNonNull(domain);
            Objects.requireNonNull(kind);
            Objects.requireNonNull(message);
        }
    }

    private static void check(Instant time, String domain, String kind, String message, Set<String> kinds) {
        Objects.requireNonNull(time);
        Objects.requireNonNull(domain);
        Objects.requireNonNull(message);
        if (!kinds.contains(kind)) throw new IllegalArgumentException("not an event of this family: " + kind);
    }
}
