package org.vmhost.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.host.HostCommand;

/**
 * What a login session's role becomes as the host's accounts change, read through a stand-in for getent and id
 * (LoginSessionTest does the same with real accounts).
 */
class AccountRolesTest {
    static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
    static final long TODAY = LocalDate.ofInstant(NOW, ZoneOffset.UTC).toEpochDay();

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        Instant now = NOW;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** getent and id as a host with these accounts would answer; a command with no answer fails as a timeout does. */
    static final class Host implements AccountRoles.Lookup {
        final Map<String, HostCommand.Result> answers = new ConcurrentHashMap<>();
        final AtomicInteger runs = new AtomicInteger();
        /** What happens on the host while a command runs (before it answers). */
        final Map<String, Runnable> during = new ConcurrentHashMap<>();
        volatile boolean down;

        Host account(String user, int uid, String shadowPassword, String expiry, String... groups) {
            answers.put("getent passwd -- " + user, ok(user + ":x:" + uid + ":" + uid + "::/nonexistent:/usr/sbin/nologin"));
            answers.put("getent shadow -- " + user, ok(user + ":" + shadowPassword + ":20000:0:99999:7::" + expiry + ":"));
            answers.put("id -Gn -- " + user, ok(user + " " + String.join(" ", groups)));
            return this;
        }

        @Override
        public HostCommand.Result run(String... argv) {
            runs.incrementAndGet();
            Runnable meanwhile = during.remove(String.join(" ", argv));
            if (meanwhile != null) meanwhile.run();
            if (down) throw new VmhostException(ErrorCode.HOST_FAILED, "'" + String.join(" ", argv) + "' did not finish within 5 s");
            return answers.getOrDefault(String.join(" ", argv), new HostCommand.Result(List.of(argv), 2, ""));
        }

        static HostCommand.Result ok(String output) {
            return new HostCommand.Result(List.of(), 0, output + "\n");
        }
    }

    final Host host = new Host();
    final TestClock clock = new TestClock();
    final AccountRoles roles = new AccountRoles(Optional.of("vmadmin"), host, clock);

    @Test
    void rootAndTheGroupsMembersAreAdministratorsAndOtherAccountsViewers() {
        host.account("root", 0, "$y$hash", "", "root").account("alice", 1001, "$y$hash", "", "alice", "vmadmin")
                .account("bob", 1002, "$y$hash", "", "bob", "vmadmin-not");

        assertThat(roles.now("root", Role.VIEWER)).hasValue(Role.ADMIN);
        assertThat(roles.now("alice", Role.VIEWER)).hasValue(Role.ADMIN);
        assertThat(roles.now("bob", Role.ADMIN)).hasValue(Role.VIEWER);
        assertThat(new AccountRoles(Optional.empty(), host, clock).now("alice", Role.ADMIN)).as("no group set").hasValue(Role.VIEWER);
    }

    @Test
    void anAccountNotFoundLockedOrPastItsExpiryHasNoRoleAndOneExpiringTomorrowStillHasIt() {
        host.account("locked", 1001, "!$y$hash", "", "locked", "vmadmin")
                .account("expired", 1002, "$y$hash", Long.toString(TODAY), "expired")
                .account("tomorrow", 1003, "$y$hash", Long.toString(TODAY + 1), "tomorrow");

        assertThat(roles.now("gone", Role.ADMIN)).isEmpty();
        assertThat(roles.now("locked", Role.ADMIN)).isEmpty();
        assertThat(roles.now("expired", Role.VIEWER)).isEmpty();
        assertThat(roles.now("tomorrow", Role.VIEWER)).hasValue(Role.VIEWER);
    }

    @Test
    void anAccountWithoutALocalShadowEntryIsLeftToPam() {
        host.account("ldapuser", 5001, "x", "", "ldapuser", "vmadmin");
        host.answers.remove("getent shadow -- ldapuser");

        assertThat(roles.now("ldapuser", Role.VIEWER)).hasValue(Role.ADMIN);
    }

    @Test
    void aRoleIsReadAgainOnlyAfterTheCacheAndThenSeesTheChange() {
        host.account("alice", 1001, "$y$hash", "", "alice", "vmadmin");
        assertThat(roles.now("alice", Role.ADMIN)).hasValue(Role.ADMIN);
        int runs = host.runs.get();
        host.account("alice", 1001, "$y$hash", "", "alice");

        clock.now = NOW.plus(AccountRoles.CACHE).minusMillis(1);
        assertThat(roles.now("alice", Role.ADMIN)).hasValue(Role.ADMIN);
        assertThat(host.runs).hasValue(runs);
        clock.now = NOW.plus(AccountRoles.CACHE);
        assertThat(roles.now("alice", Role.ADMIN)).hasValue(Role.VIEWER);
    }

    @Test
    void whenTheAccountsCannotBeReadTheRoleLastReadStandsNotTheOneOfTheLogin() {
        host.account("alice", 1001, "$y$hash", "", "alice");
        assertThat(roles.now("alice", Role.ADMIN)).as("taken out of the group").hasValue(Role.VIEWER);
        clock.now = NOW.plus(AccountRoles.CACHE);
        host.down = true;

        assertThat(roles.now("alice", Role.ADMIN)).hasValue(Role.VIEWER);
        assertThat(roles.now("carol", Role.ADMIN)).as("never read: the session's own").hasValue(Role.ADMIN);
        int runs = host.runs.get();
        assertThat(roles.now("carol", Role.ADMIN)).hasValue(Role.ADMIN);
        assertThat(host.runs).as("a failure is not retried at every request").hasValue(runs);
    }

    @Test
    void aPasswordChangedSinceTheLoginIsSeenWithinTheCacheAndTheStampIsNotTheHash() {
        host.account("alice", 1001, "$y$j9T$salt$oldhash", "", "alice");
        Optional<String> atLogin = roles.passwordAtLogin("alice");
        assertThat(atLogin).hasValueSatisfying(stamp -> assertThat(stamp).matches("[0-9a-f]{64}").doesNotContain("oldhash"));
        assertThat(roles.passwordChanged("alice", Role.VIEWER, atLogin)).isFalse();

        host.account("alice", 1001, "$y$j9T$salt2$newhash", "", "alice"); // passwd
        clock.now = NOW.plus(AccountRoles.CACHE).minusMillis(1);
        assertThat(roles.passwordChanged("alice", Role.VIEWER, atLogin)).as("within the cache").isFalse();
        clock.now = NOW.plus(AccountRoles.CACHE);
        assertThat(roles.passwordChanged("alice", Role.VIEWER, atLogin)).isTrue();
        assertThat(roles.passwordChanged("alice", Role.VIEWER, roles.passwordAtLogin("alice"))).as("a login with the new one").isFalse();
    }

    @Test
    void aLoginJustAfterAChangeIsNotTakenForOneBeforeItThoughTheOldPasswordIsStillKept() {
        host.account("alice", 1001, "$y$old", "", "alice");
        assertThat(roles.now("alice", Role.VIEWER)).hasValue(Role.VIEWER); // kept, with the old password's stamp
        host.account("alice", 1001, "$y$new", "", "alice");

        Optional<String> atLogin = roles.passwordAtLogin("alice"); // within the cache of the read above

        assertThat(roles.passwordChanged("alice", Role.VIEWER, atLogin)).isFalse();
    }

    @Test
    void withoutALocalShadowEntryOrWhenTheAccountsCannotBeReadNoChangeIsSeen() {
        host.answers.put("getent passwd -- ldapuser", Host.ok("ldapuser:x:5000:5000::/h:/bin/sh"));
        host.answers.put("id -Gn -- ldapuser", Host.ok("ldapuser"));
        assertThat(roles.passwordAtLogin("ldapuser")).isEmpty();
        assertThat(roles.passwordChanged("ldapuser", Role.VIEWER, Optional.of("a".repeat(64)))).as("nothing to compare").isFalse();

        host.account("alice", 1001, "$y$old", "", "alice");
        Optional<String> atLogin = roles.passwordAtLogin("alice");
        host.down = true;
        assertThat(roles.passwordChanged("alice", Role.VIEWER, atLogin)).as("never read, cannot be read").isFalse();
        host.down = false;
        host.account("alice", 1001, "$y$new", "", "alice");
        clock.now = NOW.plus(AccountRoles.CACHE); // the failure, too, is kept that long
        assertThat(roles.passwordChanged("alice", Role.VIEWER, atLogin)).isTrue();
        clock.now = NOW.plus(AccountRoles.CACHE.multipliedBy(2));
        host.down = true;
        assertThat(roles.passwordChanged("alice", Role.VIEWER, atLogin)).as("the change last read stands").isTrue();
    }

    @Test
    void aLoginWhoseStampCannotBeReadFailsRatherThanOpenASessionNoChangeWouldEnd() {
        host.down = true;

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> roles.passwordAtLogin("bob\u001b[2J"))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.HOST_FAILED))
                .hasMessage("this host's accounts cannot be read now (xend's log says why); try the login again");
    }

    @Test
    void aSessionWithoutAStampIsTakenForAChangedPasswordOnlyWhereTheAccountHasALocalEntry() {
        host.account("alice", 1001, "$y$hash", "", "alice");
        host.answers.put("getent passwd -- ldapuser", Host.ok("ldapuser:x:5000:5000::/h:/bin/sh"));
        host.answers.put("id -Gn -- ldapuser", Host.ok("ldapuser"));

        assertThat(roles.passwordChanged("alice", Role.VIEWER, Optional.empty())).as("a session of an xend before stamps").isTrue();
        assertThat(roles.passwordChanged("ldapuser", Role.VIEWER, Optional.empty())).as("a directory's account").isFalse();
    }

    /**
     * A read that began before a change and ends after a login with the new password holds the old stamp: it must not
     * end that login's session. The change is confirmed by a read of its own.
     */
    @Test
    void aReadThatBeganBeforeAChangeDoesNotEndTheSessionOfTheNewPassword() {
        host.account("alice", 1001, "$y$old", "", "alice", "vmadmin");
        List<Optional<String>> newLogin = new ArrayList<>();
        host.during.put("id -Gn -- alice", () -> { // the shadow entry is read already: the change and the login now
            host.account("alice", 1001, "$y$new", "", "alice", "vmadmin");
            newLogin.add(roles.passwordAtLogin("alice"));
        });
        assertThat(roles.now("alice", Role.VIEWER)).hasValue(Role.ADMIN); // the read that began before

        assertThat(roles.passwordChanged("alice", Role.ADMIN, newLogin.get(0))).isFalse();
        int runs = host.runs.get();
        assertThat(roles.passwordChanged("alice", Role.ADMIN, newLogin.get(0))).isFalse();
        assertThat(host.runs).as("confirmed once, then kept").hasValue(runs);
    }

    @Test
    void aWarningAnNssModulePrintsBesideTheEntryIsNotTakenForIt() {
        host.account("alice", 1001, "$y$hash", "", "alice", "vmadmin");
        host.answers.put("getent passwd -- alice", Host.ok("nss_foo: cannot open config\nalice:x:1001:1001::/h:/bin/sh"));

        assertThat(roles.now("alice", Role.VIEWER)).hasValue(Role.ADMIN);
    }

    @Test
    void oneUsersConcurrentRequestsWaitForOneLookup() throws Exception {
        CountDownLatch inLookup = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        host.account("alice", 1001, "$y$hash", "", "alice", "vmadmin");
        AccountRoles slow = new AccountRoles(Optional.of("vmadmin"), argv -> {
            inLookup.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return host.run(argv);
        }, clock);
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Optional<Role>>> asks = new ArrayList<>();
            asks.add(threads.submit(() -> slow.now("alice", Role.VIEWER)));
            assertThat(inLookup.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 20; i++) asks.add(threads.submit(() -> slow.now("alice", Role.VIEWER)));
            Thread.sleep(Duration.ofMillis(100));
            release.countDown();
            for (Future<Optional<Role>> f : asks) assertThat(f.get(10, TimeUnit.SECONDS)).hasValue(Role.ADMIN);
        }
        assertThat(host.runs).as("getent passwd, getent shadow, id: once").hasValue(3);
    }
}
