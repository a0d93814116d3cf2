package org.vmhost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.api.ApiServer;
import org.vmhost.api.ApiSettings;
import org.vmhost.config.DomainType;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainState;
import org.vmhost.domain.FakeDomainService;

/**
 * A plain {@code xm list} (nothing but domain names after it) runs without picocli ({@link XmMain#isPlainList}).
 * These tests hold it to what picocli runs for the same arguments, against a served xend with domains of every
 * kind {@code xm list} prints differently, and when xend is down.
 */
class PlainListTest {

    @TempDir
    Path home;

    private ApiServer xend;

    @BeforeEach
    void serve() {
        FakeDomainService fake = new FakeDomainService()
                .with(FakeDomainService.domain("web1", DomainState.RUNNING))
                .with(FakeDomainService.domain("db", DomainState.PAUSED))
                .with(FakeDomainService.domain("moving", DomainState.MIGRATING))
                .with(FakeDomainService.domain("back", DomainState.REATTACHING))
                .with(FakeDomainService.domain("idle", DomainState.SHUT_OFF))
                .with(new DomainInfo("broken", OptionalInt.empty(), "6f1c2a34-0000-4000-8000-00000000000b", DomainType.HVM,
                        DomainState.SHUT_OFF, 512, 512, 1, 0.0, true, false, "", 0.0,
                        Optional.of("line 3: memory: 'lots' is not a number")));
        xend = new ApiServer(fake, ApiSettings.of(home.resolve("run/xend.sock"), home.resolve("api.token")).withoutTcp());
        xend.start();
    }

    @AfterEach
    void stop() {
        xend.close();
    }

    /** As xm runs it. */
    private XmRun xm(String vmhostHome, String... args) {
        return XmRun.of(Map.of("VMHOST_HOME", vmhostHome), home, args);
    }

    /** As picocli runs it. */
    private XmRun xmThroughPicocli(String vmhostHome, String... args) {
        return XmRun.of(Map.of("VMHOST_HOME", vmhostHome), home, context -> XmMain.commandLine(context, args[0]).execute(args));
    }

    @Test
    void aPlainListPrintsWarnsAndFailsAsThroughPicocli() {
        String up = home.toString();
        String down = home.resolve("no-xend").toString();
        for (String[] args : List.of(new String[] {"list"}, new String[] {"list", "web1", "moving"},
                new String[] {"list", "back", "broken"}, new String[] {"list", "web1", "nosuch"})) {
            for (String at : List.of(up, down)) {
                assertThat(XmMain.isPlainList(args)).isTrue();
                assertThat(xm(at, args)).as("xm %s at %s", String.join(" ", args), at).isEqualTo(xmThroughPicocli(at, args));
            }
        }
    }

    @Test
    void whatAUserSeesOfAPlainList() {
        XmRun all = xm(home.toString(), "list");
        assertThat(all.status()).isZero();
        assertThat(all.out().lines().map(l -> l.split(" +")[0]))
                .containsExactly("Name", "Domain-0", "web1", "db", "migrating-moving", "back", "idle", "broken");
        assertThat(all.err()).contains("re-attaching to back", "domain 'broken': its stored definition no longer reads");

        XmRun missing = xm(home.toString(), "list", "nosuch");
        assertThat(missing.status()).isNotZero();
        assertThat(missing.out()).isEmpty();
        assertThat(missing.err()).startsWith("Error: ").contains("nosuch");

        XmRun noXend = xm(home.resolve("no-xend").toString(), "list");
        assertThat(noXend.status()).isNotZero();
        assertThat(noXend.err()).startsWith("Error: ").contains("Is xend running?");
    }

    @Test
    void anythingButDomainNamesGoesThroughPicocli() {
        assertThat(XmMain.isPlainList("list", "-l")).isFalse();
        assertThat(XmMain.isPlainList("list", "web1", "--state=running")).isFalse();
        assertThat(XmMain.isPlainList("list", "--", "web1")).isFalse();
        assertThat(XmMain.isPlainList("list", "@names.txt")).isFalse();
        assertThat(XmMain.isPlainList("list", "")).isFalse();
        assertThat(XmMain.isPlainList("lst")).isFalse();
        assertThat(XmMain.isPlainList("info", "web1")).isFalse();
        // picocli's own handling of them is unchanged: an unknown option is still its usage error
        XmRun unknown = xm(home.toString(), "list", "--bogus");
        assertThat(unknown.status()).isEqualTo(XmMain.EXIT_USAGE);
        assertThat(unknown.err()).startsWith("Error: ").contains("--bogus");
    }
}
