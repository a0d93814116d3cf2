package org.vmhost.cli;

import org.vmhost.domain.BlockDeviceRequest;
import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm block-configure DOMAIN BACKEND VDEV MODE}: a CD-ROM's medium, changed or ejected. */
@Command(name = "block-configure", description = {"Put a medium into a domain's CD-ROM drive, or eject it, while it runs or not.",
        "BACKEND is file:PATH.iso (or phy:DEVICE); an empty BACKEND ('') ejects. VDEV is the drive, e.g. hdc:cdrom; MODE r."})
final class BlockConfigureCommand extends DaemonCommand {

    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    @Parameters(index = "1", paramLabel = "BACKEND", description = "The medium, e.g. file:/iso/debian.iso; '' to eject.")
    String backend;

    @Parameters(index = "2", paramLabel = "VDEV", description = "The CD-ROM drive, e.g. hdc:cdrom or hdc.")
    String vdev;

    @Parameters(index = "3", paramLabel = "MODE", arity = "0..1", description = "r (the default).")
    String mode = "r";

    BlockConfigureCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        String medium = backend.strip();
        // xend's own spelling of "no medium" was a bare prefix: phy: or file: with nothing after it.
        if (medium.equals("phy:") || medium.equals("file:")) medium = "";
        xend.configureBlockDevice(domain, new BlockDeviceRequest(medium, vdev.replaceFirst(":cdrom$", ""), mode));
        return 0;
    }
}
