package org.vmhost.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vmhost.domain.DomainService;
import org.vmhost.domain.MigrationRequest;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xm migrate [-l] [--copy-storage] DOMAIN HOST}. */
@Command(name = "migrate", description = {"Move a running domain to another host's xend (its relocation server).",
        "Without -l the domain is paused, moved and resumed; with -l it keeps running while its memory is copied.",
        "The destination is trusted by its certificate's fingerprint (its $VMHOST_HOME/tls/xend.p12.sha256) and lets us in",
        "with one of its administrator tokens (xm token-create there)."})
final class MigrateCommand extends DaemonCommand {

    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    @Parameters(index = "1", paramLabel = "HOST", description = "The destination host's name or address.")
    String host;

    @Option(names = {"-l", "--live"}, description = "Live migration: the guest keeps running while its memory is copied.")
    boolean live;

    @Option(names = "--copy-storage", description = "Copy disks the destination does not share (NBD and block mirroring).")
    boolean copyStorage;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "The relocation server's port (default 8002).")
    int port = MigrationRequest.RELOCATION_PORT;

    @Option(names = "--token-file", paramLabel = "FILE", required = true,
            description = "A file holding an administrator token of the destination xend.")
    Path tokenFile;

    @Option(names = "--fingerprint", paramLabel = "SHA256", required = true,
            description = "The SHA-256 fingerprint of the destination's certificate.")
    String fingerprint;

    MigrateCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        String token;
        try {
            token = Files.readString(context.workingDirectory().resolve(tokenFile)).strip();
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "cannot read the token file " + tokenFile + ": " + e.getMessage());
        }
        if (token.isEmpty()) throw new VmhostException(ErrorCode.BAD_REQUEST, "the token file " + tokenFile + " is empty");
        MigrationRequest request;
        try {
            request = new MigrationRequest(host, port, live, copyStorage, token, fingerprint);
        } catch (IllegalArgumentException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, e.getMessage());
        }
        xend.migrate(domain, request);
        return 0;
    }
}
