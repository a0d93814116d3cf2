package org.vmhost.domain;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmhost.config.ConfigValueException;
import org.vmhost.config.DomainConfig;
import org.vmhost.config.Secrets;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.store.Store;

/**
 * A managed domain's definition as text: shown (masked) and replaced by an edited one. A shut-off domain takes
 * the edit at once; a running one keeps running as it was started and boots with the edit next
 * ({@link Domain#redefineNextBoot}). A text that does not read is refused with its file and line, and the old
 * definition stays.
 */
final class Definitions {
    private static final Pattern NAME_LINE = Pattern.compile("(?m)^\\s*name\\s*=");
    private static final Pattern UUID_LINE = Pattern.compile("(?m)^\\s*uuid\\s*=");

    /** In a running domain's run directory: the text its QEMU was started from, while an edit waits (see {@link #recover}). */
    static final String RUNNING_TEXT = "running.cfg";

    private final LocalDomainService service;
    private final DomainConfigs configs;
    private final Store store;
    private final XendHome home;

    Definitions(LocalDomainService service, DomainConfigs configs, Store store, XendHome home) {
        this.service = service;
        this.configs = configs;
        this.store = store;
        this.home = home;
    }

    /**
     * After xend restarts: a domain re-attached to its QEMU while an edit waited runs with the text kept in its run
     * directory, and the stored (edited) definition waits for its next boot again.
     */
    void recover(Domain d) {
        java.nio.file.Path file = home.domainRunDir(d.uuid).resolve(RUNNING_TEXT);
        if (d.runtime == null || !java.nio.file.Files.isRegularFile(file)) return;
        try {
            String running = java.nio.file.Files.readString(file);
            DomainConfig live = configs.parse(new DomainRequest(d.sourceName(), running, java.util.List.of()));
            d.redefineNextBoot(d.config(), d.configText(), d.sourceName());
            d.redefine(live, running, d.sourceName());
        } catch (java.io.IOException | VmhostException e) {
            LocalDomainService.LOG.warning("domain '" + d.name() + "': the text it runs with (" + file + ") does not read ("
                    + e.getMessage() + "); taken to run with its stored definition");
        }
    }

    /** Keeps (or, with none waiting, removes) the text the running QEMU was started from. */
    private void keepRunningText(Domain d) {
        java.nio.file.Path file = home.domainRunDir(d.uuid).resolve(RUNNING_TEXT);
        try {
            if (d.nextBoot().isEmpty()) {
                java.nio.file.Files.deleteIfExists(file);
                return;
            }
            java.nio.file.Path tmp = file.resolveSibling(RUNNING_TEXT + ".tmp");
            java.nio.file.Files.writeString(tmp, d.configText());
            java.nio.file.Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot keep the running definition of domain '" + d.name()
                    + "' in " + file + ": " + e.getMessage(), e);
        }
    }

    ConfigTextInfo configText(String ref) {
        Domain d = service.require(ref, "show the configuration of");
        return view(d);
    }

    ConfigTextInfo redefine(String ref, DomainRequest request) {
        Domain d = service.require(ref, "edit the configuration of");
        if (!d.managed) {
            throw new VmhostException(ErrorCode.INVALID_STATE, "domain '" + d.name() + "' was made with xm create and is "
                    + "forgotten when it stops; only a managed domain (xm new) keeps an edited configuration");
        }
        return d.runJob("edit the configuration of", () -> {
            d.requireReadable();
            String stored = d.nextBootText();
            String source = request.sourceName();
            DomainRequest whole = new DomainRequest(source, keep(source, request.configText(), stored), request.overrides());
            DomainConfig config = configs.parse(whole);
            String text = configs.canonicalText(whole);
            if (!whole.overrides().isEmpty()) text = keep(source, text, stored); // a mask given in an override
            if (!config.name().equals(d.name())) {
                throw new VmhostException(ErrorCode.INVALID_CONFIG, at(source, whole.configText(), NAME_LINE) + "name: '"
                        + config.name() + "' is not this domain's name '" + d.name() + "'; rename the domain instead");
            }
            if (config.uuid().map(UUID::toString).filter(u -> !u.equals(d.uuid)).isPresent()) {
                throw new VmhostException(ErrorCode.INVALID_CONFIG, at(source, whole.configText(), UUID_LINE) + "uuid: "
                        + config.uuid().get() + " is not this domain's uuid " + d.uuid + "; a domain keeps its uuid");
            }
            boolean running = d.state() != DomainState.SHUT_OFF;
            DomainConfig oldConfig = d.config();
            String oldText = d.configText();
            String oldSource = d.sourceName();
            Optional<Domain.NextBoot> oldNext = d.nextBoot();
            if (!running) {
                d.redefine(config, text, source);
            } else if (text.equals(oldText)) {
                d.clearNextBoot(); // edited back to what it runs with
            } else {
                d.redefineNextBoot(config, text, source);
            }
            try {
                if (running) keepRunningText(d);
                String message = "configuration of domain '" + d.name() + "' replaced from " + source
                        + (d.nextBoot().isPresent() ? "; it applies at the next boot" : "");
                store.transaction(tx -> {
                    tx.saveDefinition(service.definition(d));
                    tx.appendEvent(Instant.now(), d.name(), "redefined", message);
                });
            } catch (RuntimeException e) {
                d.redefine(oldConfig, oldText, oldSource);
                d.clearNextBoot();
                oldNext.ifPresent(n -> d.redefineNextBoot(n.config(), n.configText(), n.sourceName()));
                throw e;
            }
            return view(d);
        });
    }

    private static ConfigTextInfo view(Domain d) {
        Optional<Domain.NextBoot> next = d.nextBoot();
        return new ConfigTextInfo(d.name(), d.nextBootText(), next.isPresent(), next.isPresent() ? d.configText() : "");
    }

    /** The edited text with each still-masked password given back its stored value. */
    private static String keep(String source, String edited, String stored) {
        try {
            return Secrets.keep(source, edited, stored);
        } catch (ConfigValueException e) {
            throw new VmhostException(ErrorCode.INVALID_CONFIG, e.getMessage());
        }
    }

    /** {@code source:LINE: } for the line a key is set on, or {@code source: } when the text does not set it. */
    private static String at(String source, String text, Pattern key) {
        Matcher m = key.matcher(text);
        if (!m.find()) return source + ": ";
        int line = 1 + (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count();
        return source + ":" + line + ": ";
    }
}
