package org.vmhost.cli;

import org.vmhost.domain.BlockDeviceRequest;
import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm block-attach DOMAIN BACKEND VDEV MODE}. */
@Command(name = "block-attach", description = {"Give a domain a disk, hot-plugged if it runs, and keep it in its configuration.",
        "BACKEND is file:PATH, tap:aio:PATH, tap:qcow2:PATH or phy:DEVICE; VDEV xvdX (virtio) or sdX (SCSI), or hdX "
                + "while the domain is off; MODE r, w or w!. A disk that another running domain has writable is refused "
                + "unless both give it as w!."})
final class BlockAttachCommand extends DaemonCommand {

    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    @Parameters(index = "1", paramLabel = "BACKEND", description = "The image or device, e.g. tap:qcow2:/img/data.qcow2.")
    String backend;

    @Parameters(index = "2", paramLabel = "VDEV", description = "The guest's name for it, e.g. xvdb or sdc.")
    String vdev;

    @Parameters(index = "3", paramLabel = "MODE", description = "r, w or w!.")
    String mode;

    @Parameters(index = "4", paramLabel = "BACKDOMAIN", arity = "0..1", description = "Xen's backend domain; only 0 is supported.")
    String backDomain;

    BlockAttachCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        if (backDomain != null && !backDomain.equals("0") && !backDomain.equals("Domain-0")) {
            context.err().println("Error: backend domain '" + backDomain + "' is not supported; disks are served by the host (0)");
            return XmMain.EXIT_USAGE;
        }
        xend.attachBlockDevice(domain, new BlockDeviceRequest(backend, vdev, mode));
        return 0;
    }
}
