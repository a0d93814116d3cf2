package org.vmhost.domain;

/**
 * A domain's state. The letters are xm's {@code r b p s c d} columns; a domain that is defined but not
 * running has no letter and no id; one being re-attached after xend started has its id and no letter yet.
 */
public enum DomainState {
    /** Defined (managed) but not running. */
    SHUT_OFF('-', '\0'),
    /** QEMU is being started; not yet visible as running. */
    STARTING('-', '\0'),
    RUNNING('r', 'r'),
    /** Running but idle, as Xen showed a domain waiting for events. */
    BLOCKED('b', 'b'),
    PAUSED('p', 'p'),
    /** The guest was asked to shut down and has not finished. */
    SHUTTING_DOWN('s', 's'),
    /** The guest crashed and on_crash=preserve keeps it for inspection. */
    CRASHED('c', 'c'),
    /** Being destroyed. */
    DYING('d', 'd'),
    /**
     * Found running when xend started, and not yet re-attached: xend answers before it has spoken to every QEMU
     * again, and shows such a domain with its id and no state letter (Xen's "no flag known") until it has.
     */
    REATTACHING('-', '\0'),
    /**
     * xm save is writing the guest's memory to a file; its vCPUs are stopped. xm shows it as Xen showed a guest
     * suspended for its save ({@code ---s--}).
     */
    SAVING('s', 's'),
    /**
     * Being moved to another host (xm migrate) on the source, or taken in on the destination. xm list names it
     * {@code migrating-NAME}, as Xen's xend did, with the {@code s} of a guest being suspended away.
     */
    MIGRATING('s', 's');

    private final char letter;
    private final char column;

    DomainState(char letter, char column) {
        this.letter = letter;
        this.column = column;
    }

    public char letter() {
        return letter;
    }

    /** Xen's six-column state field, e.g. {@code -b----}; all dashes for a domain that is not running. */
    public String xmStateField() {
        String cols = "rbpscd";
        StringBuilder sb = new StringBuilder("------");
        int i = cols.indexOf(column);
        if (column != '\0' && i >= 0) sb.setCharAt(i, column);
        return sb.toString();
    }

    /**
     * Whether one long operation (a save, a migration) owns the domain now: any other is refused at once
     * rather than queued behind it.
     */
    public boolean owned() {
        return this == SAVING || this == MIGRATING;
    }

    /** Whether a QEMU process exists for the domain. */
    public boolean active() {
        return this != SHUT_OFF;
    }
}
