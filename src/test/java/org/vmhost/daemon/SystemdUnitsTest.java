package org.vmhost.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.host.HostCommand;

/**
 * setup/systemd's units, checked with {@code systemd-analyze verify} (PID 1 here is not systemd: they can be checked,
 * not run), with their /opt/vmhost paths pointed at this checkout as an install would; and what they must say.
 */
class SystemdUnitsTest {
    static final Path PROJECT = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    static final Path UNITS = PROJECT.resolve("setup/systemd");

    @TempDir
    Path dir;

    @Test
    void theUnitsPassSystemdAnalyzeVerify() throws IOException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")),
                "systemd-analyze is missing: setup/install.sh installs the systemd package");
        List<String> argv = new ArrayList<>(List.of("systemd-analyze", "verify", "--man=no"));
        for (String name : List.of("xend.service", "xendomains.service")) {
            Path unit = dir.resolve(name);
            Files.writeString(unit, Files.readString(UNITS.resolve(name)).replace("/opt/vmhost", PROJECT.toString()));
            argv.add(unit.toString());
        }
        HostCommand.Result r = HostCommand.of(argv).timeout(Duration.ofSeconds(60)).tryRun();
        assertThat(r.output()).as("systemd-analyze verify said").doesNotContainIgnoringCase("error", "unknown", "failed", "invalid");
        assertThat(r.exit()).as(r.output()).isZero();
    }

    @Test
    void xendLeavesTheGuestsRunningAndXendomainsSavesBeforeXendStops() throws IOException {
        String xend = Files.readString(UNITS.resolve("xend.service"));
        assertThat(xend).contains("KillMode=process", "VMHOST_AUTOSTART=0", "UMask=0077");
        String domains = Files.readString(UNITS.resolve("xendomains.service"));
        // After= xend: started after it, and so stopped (saving every domain) before it.
        assertThat(domains).contains("After=xend.service", "Requires=xend.service", "xm xendomains start",
                "xm xendomains stop", "XENDOMAINS_SAVE=", "XENDOMAINS_STOP_MAXWAIT=");
    }
}
