package org.vmhost.domain;

/**
 * Pauses at named points of a start (or of xend's own start-up), a save or a migration, for the tests that look at (or kill xend in) the
 * middle of one: a window the real operation is too quick to hit on demand. Off unless the system property
 * {@code vmhost.fault.<point>} gives a number of milliseconds; a production xend never sets it.
 */
final class Faults {
    /** QEMU runs, and no status row names it yet. */
    static final String AFTER_LAUNCH = "afterLaunch";
    /** Status saved as starting; the guest has not been resumed. */
    static final String BEFORE_RUN = "beforeRun";
    /** A save has written its stream to the temporary file, and not yet its end record nor renamed it. */
    static final String DURING_SAVE = "duringSave";
    /** xend has started and answers; a domain found running waits before its QMP handshake (a slow re-attach). */
    static final String BEFORE_REATTACH = "beforeReattach";
    /** A migration's memory is copied and the guest stopped on the source; the destination has not been told to finish. */
    static final String AFTER_MIGRATION_MEMORY = "afterMigrationMemory";
    /** The destination's QEMU waits for a migrating domain's state; the source has not been answered yet. */
    static final String INCOMING_PREPARED = "incomingPrepared";
    /** The destination has the whole state and was told to finish; it has not resumed the guest. */
    static final String BEFORE_INCOMING_FINISH = "beforeIncomingFinish";

    private Faults() {}

    /**
     * With {@code -Dvmhost.fault.olderXendQemu=true}, a QEMU is started as an older xend started it, without
     * {@code file.auto-read-only=off} on its images, so that a test can prove what xend does for such a QEMU
     * still running after an upgrade (it lends it the images it will open again).
     */
    static void asOlderXend(java.util.List<String> argv) {
        if (!Boolean.getBoolean("vmhost.fault.olderXendQemu")) return;
        LocalDomainService.LOG.warning("fault olderXendQemu: QEMU starts without file.auto-read-only=off");
        argv.replaceAll(a -> a.replaceAll("(?<!,),file\\.auto-read-only=off(?=,|$)", ""));
    }

    static void pause(String point) {
        String ms = System.getProperty("vmhost.fault." + point);
        if (ms == null) return;
        // Said in xend's log, so that a test knows when to act.
        LocalDomainService.LOG.warning("fault point " + point + ": pausing " + ms + " ms");
        try {
            Thread.sleep(Long.parseLong(ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
