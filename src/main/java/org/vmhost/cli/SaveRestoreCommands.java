package org.vmhost.cli;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainService;
import org.vmhost.domain.SnapshotInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xm save}, {@code xm restore} and the {@code xm snapshot-*} subcommands. */
final class SaveRestoreCommands {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private SaveRestoreCommands() {}

    /** {@code xm save [-c] DOMAIN FILE}. */
    @Command(name = "save", description = {"Save a domain's memory and device state, and its configuration, to FILE.",
            "The domain then goes, unless -c; FILE is written whole or not at all, on xend's host."})
    static final class Save extends DaemonCommand {
        @Option(names = {"-c", "--checkpoint"}, description = "Leave the domain running after the save.")
        boolean checkpoint;

        @Parameters(index = "0", paramLabel = "DOMAIN", description = "A domain by name, id or UUID.")
        String domain;

        @Parameters(index = "1", paramLabel = "FILE", description = "The save file (a relative path is taken from here).")
        String file;

        Save(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            xend.save(domain, context.workingDirectory().resolve(file).toAbsolutePath().normalize().toString(), checkpoint);
            return 0;
        }
    }

    /** {@code xm restore [-p] FILE}. */
    @Command(name = "restore", description = {"Bring back a domain saved with xm save: its name, UUID, MACs, disks,",
            "and the running guest. Refused when FILE is not a whole save file of this host's QEMU, a disk is",
            "missing, or the name is taken."})
    static final class Restore extends DaemonCommand {
        @Option(names = {"-p", "--paused"}, description = "Keep the restored domain paused.")
        boolean paused;

        @Parameters(index = "0", paramLabel = "FILE", description = "The save file.")
        String file;

        Restore(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            DomainInfo d = xend.restore(context.workingDirectory().resolve(file).toAbsolutePath().normalize().toString(), paused);
            context.out().println("Restored domain '" + d.name() + "'" + (paused ? " (paused)" : ""));
            return 0;
        }
    }

    /** {@code xm snapshot-create [-d] DOMAIN NAME}. */
    @Command(name = "snapshot-create", description = {"Take a snapshot of a domain's qcow2 disks and, unless -d, of its",
            "running guest's memory and devices, kept inside its images."})
    static final class Create extends DaemonCommand {
        @Option(names = {"-d", "--disk-only"}, description = "The disks only.")
        boolean diskOnly;

        @Parameters(index = "0", paramLabel = "DOMAIN", description = "A domain by name, id or UUID.")
        String domain;

        @Parameters(index = "1", paramLabel = "NAME", description = "The snapshot's name.")
        String name;

        Create(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            xend.createSnapshot(domain, name, diskOnly);
            return 0;
        }
    }

    /** {@code xm snapshot-list DOMAIN}. */
    @Command(name = "snapshot-list", description = "List a domain's snapshots, oldest first.")
    static final class ListSnapshots extends DaemonCommand {
        @Parameters(index = "0", paramLabel = "DOMAIN", description = "A domain by name, id or UUID.")
        String domain;

        ListSnapshots(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            context.out().printf("%-32s %-10s %-19s %12s%n", "Name", "Kind", "Created", "State");
            for (SnapshotInfo s : xend.listSnapshots(domain)) {
                context.out().printf(Locale.ROOT, "%-32s %-10s %-19s %12d%n", s.name(), s.diskOnly() ? "disks" : "full",
                        WHEN.format(s.created()), s.stateBytes());
            }
            return 0;
        }
    }

    /** {@code xm snapshot-apply DOMAIN NAME}. */
    @Command(name = "snapshot-apply", description = {"Return a domain to a snapshot: a full one brings back the running",
            "guest (starting a shut-off domain); a disk-only one applies to a shut-off domain."})
    static final class Apply extends DaemonCommand {
        @Parameters(index = "0", paramLabel = "DOMAIN", description = "A domain by name, id or UUID.")
        String domain;

        @Parameters(index = "1", paramLabel = "NAME", description = "The snapshot's name.")
        String name;

        Apply(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            xend.applySnapshot(domain, name);
            return 0;
        }
    }

    /** {@code xm snapshot-delete DOMAIN NAME}. */
    @Command(name = "snapshot-delete", description = "Delete a domain's snapshot.")
    static final class Delete extends DaemonCommand {
        @Parameters(index = "0", paramLabel = "DOMAIN", description = "A domain by name, id or UUID.")
        String domain;

        @Parameters(index = "1", paramLabel = "NAME", description = "The snapshot's name.")
        String name;

        Delete(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            xend.deleteSnapshot(domain, name);
            return 0;
        }
    }
}
