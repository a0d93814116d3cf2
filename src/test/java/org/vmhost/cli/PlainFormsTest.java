package org.vmhost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
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
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * A plain {@code xm list} (nothing but domain names after it) and a plain {@code xm create} (a configuration and
 * settings, no option) run without picocli ({@link XmMain#isPlainList}, {@link XmMain#isPlainCreate}). These tests
 * hold them to what picocli runs for the same arguments: against a served xend with domains of every kind
 * {@code xm list} prints differently, against one that refuses a create, and when xend is down.
 */
class PlainFormsTest {

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

    /**
     * One xm run against an xend of its own with no domain, so that a create through picocli and the same create
     * without it each meet the same xend: what the run printed and returned, and what that xend was asked.
     */
    private record Created(XmRun run, List<String> calls) {
    }

    private Created onAFreshXend(boolean refuse, Function<String, XmRun> run) throws IOException {
        Path fresh = Files.createTempDirectory(home, "xend");
        FakeDomainService fake = new FakeDomainService();
        if (refuse) fake.failNext("create", new VmhostException(ErrorCode.RESOURCE_BUSY, "a writable disk is in use by 'web1'"));
        try (ApiServer server = new ApiServer(fake,
                ApiSettings.of(fresh.resolve("run/xend.sock"), fresh.resolve("api.token")).withoutTcp())) {
            server.start();
            return new Created(run.apply(fresh.toString()), fake.calls());
        }
    }

    @Test
    void aPlainCreateStartsPrintsAndFailsAsThroughPicocli() throws IOException {
        Path config = Files.writeString(home.resolve("c1.cfg"), "name = 'c1'\nkernel = '/boot/vmlinuz'\nmemory = 256\n");
        Path broken = Files.writeString(home.resolve("broken.cfg"), "name = 'c2'\nmemory = lots\n");
        for (String[] args : List.of(new String[] {"create", config.toString()},
                new String[] {"create", config.toString(), "name=c3", "memory=128"},
                new String[] {"create", broken.toString()}, new String[] {"create", "nosuch.cfg"})) {
            assertThat(XmMain.isPlainCreate(args)).isTrue();
            for (boolean refuse : List.of(false, true)) {
                Created plain = onAFreshXend(refuse, at -> xm(at, args));
                Created picocli = onAFreshXend(refuse, at -> xmThroughPicocli(at, args));
                assertThat(plain).as("xm %s, refused: %s", String.join(" ", args), refuse).isEqualTo(picocli);
            }
            String down = home.resolve("no-xend").toString();
            assertThat(xm(down, args)).as("xm %s with xend down", String.join(" ", args))
                    .isEqualTo(xmThroughPicocli(down, args));
        }
    }

    @Test
    void whatAUserSeesOfAPlainCreate() throws IOException {
        Path config = Files.writeString(home.resolve("c1.cfg"), "name = 'c1'\nkernel = '/boot/vmlinuz'\nmemory = 256\n");
        Created started = onAFreshXend(false, at -> xm(at, "create", config.toString(), "name=c4"));
        assertThat(started.run().status()).as(started.run().err()).isZero();
        assertThat(started.run().out()).startsWith("Using config file \"" + config + "\".\nStarted domain c4 (id=");
        assertThat(started.calls()).containsExactly("create " + config + " paused=false");

        Created refused = onAFreshXend(true, at -> xm(at, "create", config.toString()));
        assertThat(refused.run().status()).isEqualTo(ErrorCode.RESOURCE_BUSY.exitStatus());
        assertThat(refused.run().err()).isEqualTo("Error: a writable disk is in use by 'web1'\n");

        Created missing = onAFreshXend(false, at -> xm(at, "create", "nosuch.cfg"));
        assertThat(missing.run().status()).isEqualTo(XmMain.EXIT_FAILURE);
        assertThat(missing.run().err()).startsWith("Error: configuration file 'nosuch.cfg' not found");
        assertThat(missing.calls()).as("nothing reaches xend").isEmpty();
    }

    @Test
    void aCreateWithAnOptionGoesThroughPicocli() {
        assertThat(XmMain.isPlainCreate("create")).isFalse();
        assertThat(XmMain.isPlainCreate("create", "-c", "web1.cfg")).isFalse();
        assertThat(XmMain.isPlainCreate("create", "web1.cfg", "-p")).isFalse();
        assertThat(XmMain.isPlainCreate("create", "--", "web1.cfg")).isFalse();
        assertThat(XmMain.isPlainCreate("create", "@args.txt")).isFalse();
        assertThat(XmMain.isPlainCreate("create", "web1.cfg", "")).isFalse();
        assertThat(XmMain.isPlainCreate("new", "web1.cfg")).isFalse();
        // picocli's errors for them are unchanged: a missing configuration is still its usage error
        XmRun bare = xm(home.toString(), "create");
        assertThat(bare.status()).isEqualTo(XmMain.EXIT_USAGE);
        assertThat(bare.err()).startsWith("Error: ").contains("CONFIG");
    }
}
