package org.vmhost.domain;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.vmhost.config.DomainConfig;
import org.vmhost.domain.Transitions.Operation;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.qemu.MigrationStream;
import org.vmhost.store.Store;

/**
 * {@code xm save} and {@code xm restore}: a domain's memory and device state through QEMU's migration stream
 * into a {@link SaveFile}, which also carries the domain's configuration (with its UUID and MACs), and back.
 * The stream goes over xend's own channel ({@link MigrationStream}); the file is written under a temporary
 * name, fsynced and renamed, so an interrupted save leaves no file that a restore would take for good.
 */
final class SaveRestore {
    static final Duration STREAM_TIMEOUT = Duration.ofMinutes(10);

    private final LocalDomainService service;
    private final XendHome home;
    private final Store store;
    private final HostEnvironment host;
    private final DomainConfigs configs;
    private final DomainRegistry registry;

    SaveRestore(LocalDomainService service, XendHome home, Store store, HostEnvironment host, DomainConfigs configs,
                DomainRegistry registry) {
        this.service = service;
        this.home = home;
        this.store = store;
        this.host = host;
        this.configs = configs;
        this.registry = registry;
    }

    /** Saves a running or paused domain to {@code file}; it then ends, or with {@code checkpoint} runs on as it was. */
    void save(String ref, String fileName, boolean checkpoint) {
        Path file = requireTarget(fileName);
        Domain d = service.require(ref, "save");
        d.runJob("save", () -> {
            Transitions.requireAllowed(d.name(), Operation.SAVE, d.state());
            service.requireNoHotplugged(d, "save");
            // A QEMU an older xend started opens each disk again at the save's end (to let go of it), no longer root:
            // a disk its user cannot open failed the save there, with only "bdrv_inactivate_all() failed", and left
            // QEMU refusing every later save. Lent first (which also covers -c and a failure's continue), such a disk
            // is refused here, naming why, before anything stops. This xend's QEMUs need nothing lent.
            try {
                service.lendImagesIfReopened(d, true);
            } catch (VmhostException e) {
                throw new VmhostException(e.code(), "cannot save domain '" + d.name() + "': " + e.getMessage(), e);
            }
            DomainRuntime rt = d.runtime;
            DomainState before = d.state();
            boolean wasRunning = before != DomainState.PAUSED;
            SaveFile.Header header = new SaveFile.Header(SaveFile.FORMAT, host.info().qemuVersion(), d.name(), d.uuid,
                    savedConfig(d), Instant.now());
            Path tmp = file.resolveSibling("." + file.getFileName() + ".partial-" + UUID.randomUUID());
            long bytes;
            Path qemuLog = home.qemuLog(d.uuid);
            long qemuLogBefore = org.vmhost.qemu.QemuProcess.logEnd(qemuLog);
            d.moveTo(DomainState.SAVING); // xm list and the API show the save; other operations are refused meanwhile
            try {
                bytes = write(rt, header, tmp);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                syncDirectory(file.getParent());
            } catch (RuntimeException | IOException | InterruptedException e) {
                deleteQuietly(tmp);
                if (wasRunning && d.runtime != null) {
                    try {
                        rt.qmp().cont(); // the save stopped the guest's vCPUs: give them back
                    } catch (Exception again) {
                        e.addSuppressed(again);
                    }
                }
                if (d.state() == DomainState.SAVING) d.moveTo(before);
                if (e instanceof InterruptedException) Thread.currentThread().interrupt();
                String message = "cannot save domain '" + d.name() + "' to " + file + ": "
                        + (e instanceof VmhostException ? e.getMessage() : LocalDomainService.describe(e))
                        + LocalDomainService.qemuSaid(e, qemuLog, qemuLogBefore);
                service.event(d, "save-failed", message);
                throw new VmhostException(e instanceof VmhostException ve && ve.code() != ErrorCode.INTERNAL ? ve.code()
                        : ErrorCode.HOST_FAILED, message, e);
            }
            String what = "saved to " + file + " (" + bytes + " bytes of state)";
            if (checkpoint) {
                try {
                    if (wasRunning) service.qmp(d, "continue", org.vmhost.qemu.qmp.QmpClient::cont);
                } finally {
                    d.moveTo(before);
                }
                service.event(d, "saved", what + "; it runs on");
            } else {
                service.teardown(d, "saved", what);
            }
        });
    }

    /** Brings a saved domain back from {@code file}, with its name, UUID, MACs and disks; paused with {@code paused}. */
    DomainInfo restore(String fileName, boolean paused) {
        Path file = Path.of(fileName);
        if (!file.isAbsolute()) throw new VmhostException(ErrorCode.BAD_REQUEST, "the save file must be an absolute path: " + fileName);
        SaveFile.Checked checked = SaveFile.check(file, host.info().qemuVersion());
        SaveFile.Header h = checked.header();
        String source = file.getFileName().toString();
        DomainConfig config = configs.parse(new DomainRequest(source, h.config(), List.of()));
        try {
            configs.requireFilesExist(config);
        } catch (VmhostException e) {
            throw new VmhostException(e.code(), "cannot restore from " + file + ": " + e.getMessage());
        }
        Optional<Domain> same = registry.findByUuid(h.uuid());
        if (same.isPresent()) {
            // A managed domain stays defined when it is saved: the restore brings back that same domain.
            Domain d = same.get();
            if (!d.managed || !d.name().equals(config.name())) {
                throw new VmhostException(ErrorCode.DOMAIN_EXISTS, "cannot restore from " + file + ": domain '" + d.name()
                        + "' has its UUID " + h.uuid());
            }
            return d.runJob("restore", () -> {
                if (d.state() != DomainState.SHUT_OFF) {
                    throw new VmhostException(ErrorCode.DOMAIN_EXISTS, "cannot restore from " + file + ": domain '" + d.name()
                            + "' is " + Transitions.describe(d.state()));
                }
                d.requireReadable();
                d.redefine(config, h.config(), d.sourceName());
                store.saveDefinition(service.definition(d));
                service.launch(d, paused, incoming(d, checked));
                service.event(d, "restored", "restored from " + file + " (saved " + h.savedAt() + ")");
                return service.info(d);
            });
        }
        if (registry.findByName(config.name()).isPresent()) {
            throw new VmhostException(ErrorCode.DOMAIN_EXISTS, "cannot restore from " + file + ": the name '" + config.name()
                    + "' is taken by another domain");
        }
        Domain d = new Domain(h.uuid(), config.name(), config, h.config(), source, false, false);
        registry.add(d);
        return d.runJob("restore", () -> {
            try {
                store.saveDefinition(service.definition(d));
                service.launch(d, paused, incoming(d, checked));
            } catch (RuntimeException e) {
                registry.remove(d);
                store.deleteDefinition(d.uuid);
                throw e;
            }
            service.event(d, "restored", "restored from " + file + " (saved " + h.savedAt() + ")");
            return service.info(d);
        });
    }

    /**
     * Feeds the saved stream to the new QEMU. It opened the guest's images as root, inactive for the incoming
     * migration, and keeps them open when the guest continues: nothing is lent to it.
     */
    private Launch.Incoming incoming(Domain d, SaveFile.Checked checked) {
        return qmp -> {
            try (InputStream stream = SaveFile.openStream(checked)) {
                MigrationStream.load(qmp, home.runDir(), host.qemuUser(), stream, STREAM_TIMEOUT);
            }
        };
    }

    /** At xend's start: a guest that an unfinished save stopped runs on (its images lent first, to an older xend's QEMU). */
    void resumeAfterUnfinishedSave(Domain d) {
        service.lendImagesIfReopened(d, false);
        service.qmp(d, "continue", org.vmhost.qemu.qmp.QmpClient::cont);
        service.event(d, "save-failed", "a save was cut short by xend's end; the guest runs on");
    }

    /** The configuration that comes back on restore: the domain's own, with its UUID and the MACs its NICs have now. */
    private String savedConfig(Domain d) {
        List<String> overrides = new ArrayList<>();
        overrides.add("uuid=" + d.uuid);
        service.vifsWithLiveMacs(d).ifPresent(vifs -> overrides.add(LocalDomainService.vifSetting(vifs)));
        return configs.write(configs.parse(new DomainRequest(d.sourceName() == null ? d.name() : d.sourceName(),
                configs.write(d.config()), overrides)));
    }

    private long write(DomainRuntime rt, SaveFile.Header header, Path tmp) throws IOException, InterruptedException {
        try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(XendHome.PRIVATE_FILE))) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20);
            SaveFile.writeHeader(out, header);
            SaveFile.Digesting stream = SaveFile.digesting(out);
            try {
                MigrationStream.save(rt.qmp(), home.runDir(), host.qemuUser(), stream, STREAM_TIMEOUT);
            } catch (org.vmhost.qemu.qmp.QmpException e) {
                throw new VmhostException(ErrorCode.QEMU_FAILED, e.getMessage(), e);
            }
            out.flush();
            Faults.pause(Faults.DURING_SAVE);
            SaveFile.writeTrailer(out, stream.count(), stream.digest());
            out.flush();
            ch.force(true);
            return stream.count();
        }
    }

    private static Path requireTarget(String fileName) {
        Path file = Path.of(fileName);
        if (!file.isAbsolute()) throw new VmhostException(ErrorCode.BAD_REQUEST, "the save file must be an absolute path: " + fileName);
        file = file.normalize();
        if (file.getParent() == null || !Files.isDirectory(file.getParent())) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "cannot save to " + file + ": no such directory " + file.getParent());
        }
        if (Files.isDirectory(file)) throw new VmhostException(ErrorCode.BAD_REQUEST, "cannot save to " + file + ": it is a directory");
        // xend writes as root: an older save file may be replaced, never anything else that happens to have the name.
        if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !SaveFile.looksLikeOne(file)) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "cannot save to " + file
                    + ": it exists and is not a vmhost save file (remove it, or choose another name)");
        }
        return file;
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LocalDomainService.LOG.warning("cannot fsync " + dir + ": " + e.getMessage());
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LocalDomainService.LOG.warning("cannot remove " + p + ": " + e.getMessage());
        }
    }
}
