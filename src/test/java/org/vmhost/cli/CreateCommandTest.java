package org.vmhost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CreateCommandTest {

    private static final Path PROJECT = Path.of("").toAbsolutePath();

    @TempDir
    Path configDir;

    private XmRun xm(Path cwd, String... args) {
        return XmRun.of(Map.of(XmContext.CONFIG_DIR_VARIABLE, configDir.toString(),
                "VMHOST_HOME", configDir.resolve("no-xend-here").toString()), cwd, args);
    }

    private XmRun xm(String... args) {
        return xm(PROJECT, args);
    }

    static Stream<String> examples() throws IOException {
        try (Stream<Path> files = Files.list(PROJECT.resolve("examples"))) {
            List<String> names = files.map(p -> "examples/" + p.getFileName()).filter(n -> n.endsWith(".cfg")).sorted().toList();
            assertThat(names).contains("examples/demo-pv.cfg", "examples/demo-hvm.cfg");
            return names.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void aDryRunOfEachShippedExamplePrintsItsSxp(String example) {
        XmRun run = xm("create", "-n", example);
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("Using config file \"" + example + "\".\n(domain\n    (name ");
        assertThat(run.out()).contains("(image").endsWith(")\n");
        assertThat(run.err()).doesNotContain("Error:").doesNotContainPattern("Warning: (?!.*does not exist on this host)");
    }

    @Test
    void theDemoDomainsAreTheOnesTheGuestImagesBoot() {
        XmRun pv = xm("create", "--dryrun", "examples/demo-pv.cfg");
        assertThat(pv.out()).contains("(linux", "(kernel /var/lib/vmhost/images/vmlinux)",
                "(ramdisk /var/lib/vmhost/images/initrd.img)", "(args console=ttyS0)",
                "(uname tap:qcow2:/var/lib/vmhost/images/pv-disk.qcow2)", "(dev xvda:disk)");
        XmRun hvm = xm("create", "-n", "examples/demo-hvm.cfg");
        assertThat(hvm.out()).contains("(hvm", "(uname tap:qcow2:/var/lib/vmhost/images/hvm-disk.qcow2)", "(dev hda:disk)");
    }

    @Test
    void settingsOnTheCommandLineOverrideTheFile() {
        XmRun run = xm("create", "-n", "examples/demo-hvm.cfg", "memory=512", "vcpus=2", "name=demo2");
        assertThat(run.status()).isZero();
        assertThat(run.out()).contains("(name demo2)", "(memory 512)", "(vcpus 2)");
    }

    @Test
    void aBareNameIsLookedUpInTheConfigDirectory() throws IOException {
        Files.writeString(configDir.resolve("web1"), "name = 'web1'\nkernel = '/boot/vmlinuz'\n");
        XmRun run = xm(configDir.resolve("elsewhere"), "create", "-n", "web1");
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("Using config file \"" + configDir.resolve("web1") + "\".");
    }

    @Test
    void aMissingFileIsOneErrorLine() {
        XmRun run = xm("create", "-n", "nope.cfg");
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("Error: configuration file 'nope.cfg' not found (looked in . and "
                + configDir + ")\n");
    }

    @Test
    void aBadConfigurationIsOneErrorLineNamingFileLineAndColumn() throws IOException {
        Path cfg = Files.writeString(configDir.resolve("bad.cfg"), "name = 'web1'\nmemory = 64 * 2\n");
        XmRun run = xm("create", "-n", cfg.toString());
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).startsWith("Error: " + cfg + ":2:13: unexpected '*'; this file looks like Python")
                .hasLineCount(1);
    }

    @Test
    void anErrorQuotingALineBreakStaysOneLine() throws IOException {
        Path cfg = Files.writeString(configDir.resolve("nl.cfg"), "name = 'nl'\nkernel = '/k'\ndisk = [ 'x\\ny' ]\n");
        XmRun run = xm("create", "-n", cfg.toString());
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("Error: " + cfg + ":3: disk: 'x\\ny': no virtual device name (such as xvda "
                + "or hdc)\n");
    }

    @Test
    void warningsAndMissingFilesGoToStandardErrorAndTheDryRunStillSucceeds() throws IOException {
        Path cfg = Files.writeString(configDir.resolve("w.cfg"),
                "name = 'w'\nkernel = '/nonexistent/vmlinuz'\nhome = '/dev/xvda3'\n");
        XmRun run = xm("create", "-n", cfg.toString());
        assertThat(run.status()).isZero();
        assertThat(run.err()).isEqualTo("Warning: " + cfg + ":3: unknown setting 'home'; ignored\n"
                + "Warning: " + cfg + ":2: kernel: '/nonexistent/vmlinuz' does not exist on this host\n");
        assertThat(run.out()).contains("(kernel /nonexistent/vmlinuz)");
    }

    @Test
    void creatingForRealWithXendDownSaysSoInOneLine() {
        XmRun run = xm("create", "examples/demo-pv.cfg");
        assertThat(run.status()).isNotZero();
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("Error: Unable to connect to xend: ").endsWith("Is xend running?\n")
                .hasLineCount(1);
    }

    @Test
    void helpComesFromTheCommandTable() {
        XmRun help = xm("help");
        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("Usage: xm", "create", "Create and start a domain from a configuration file");
        assertThat(xm("--help").out()).isEqualTo(help.out());
        XmRun createHelp = xm("create", "--help");
        assertThat(createHelp.out()).contains("-n, --dryrun", "KEY=VALUE");
        XmRun none = xm();
        assertThat(none.status()).isEqualTo(2);
        assertThat(none.err()).contains("Usage: xm");
    }

    @Test
    void usageMistakesAreOneErrorLine() {
        XmRun unknown = xm("destroyy", "web1");
        assertThat(unknown.status()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("Error: Unmatched arguments").hasLineCount(1);
        XmRun noConfig = xm("create", "-n");
        assertThat(noConfig.status()).isEqualTo(2);
        assertThat(noConfig.err()).startsWith("Error: Missing required parameter").endsWith("(see 'xm help create')\n");
    }
}
