package org.vmhost.cli;

import java.util.List;
import org.vmhost.domain.BlockDeviceInfo;
import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xm block-list DOMAIN [-l]}, in Xen's columns. */
@Command(name = "block-list", description = {"List a domain's virtual disks, by Xen's device number (xvda 51712, hda 768, sda 2048).",
        "State 4 is connected (the domain runs), 1 initialising (it is off). QEMU has no event channels or grant "
                + "references: those columns show -1."})
final class BlockListCommand extends DaemonCommand {

    @Option(names = {"-l", "--long"}, description = "Print each disk as SXP, with its backend and mode.")
    boolean long_;

    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    BlockListCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        List<BlockDeviceInfo> disks = xend.listBlockDevices(domain);
        context.out().print(long_ ? sxp(disks) : table(disks));
        return 0;
    }

    /** xm's {@code %-5s %-3s %-6s %-5s %-6s %-8s %-30s} under {@code Vdev  BE handle state evt-ch ring-ref BE-path}. */
    static String table(List<BlockDeviceInfo> disks) {
        StringBuilder sb = new StringBuilder("Vdev  BE handle state evt-ch ring-ref BE-path\n");
        for (BlockDeviceInfo d : disks) {
            sb.append(String.format("%-5s %-3s %-6s %-5s %-6s %-8s %-30s", d.devid(), 0, 0, d.state(), -1, -1, d.backendPath())
                    .stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    static String sxp(List<BlockDeviceInfo> disks) {
        StringBuilder sb = new StringBuilder();
        for (BlockDeviceInfo d : disks) {
            sb.append("(").append(d.devid()).append('\n')
                    .append("    ((backend-id 0)\n")
                    .append("     (virtual-device ").append(d.devid()).append(")\n")
                    .append("     (dev ").append(d.vdev()).append(d.deviceType().equals("cdrom") ? ":cdrom" : "").append(")\n")
                    .append("     (device-type ").append(d.deviceType()).append(")\n")
                    .append("     (uname ").append(quote(d.uname())).append(")\n")
                    .append("     (mode ").append(d.mode()).append(")\n")
                    .append("     (state ").append(d.state()).append(")\n")
                    .append("     (backend ").append(d.backendPath()).append(")\n")
                    .append("    )\n)\n");
        }
        return sb.toString();
    }

    /** A path as one SXP atom: quoted when it is empty or holds a space, a parenthesis or a quote. */
    private static String quote(String s) {
        if (!s.isEmpty() && s.chars().noneMatch(c -> c <= ' ' || c == '(' || c == ')' || c == '\'' || c == '"' || c == '\\')) return s;
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
