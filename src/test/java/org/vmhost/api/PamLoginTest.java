package org.vmhost.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/** Logins take turns on a thread of their own, so that a flood of them holds up no other request. */
@org.junit.jupiter.api.Timeout(30)
class PamLoginTest {
    static final Caller ALICE = new Caller("alice", Role.VIEWER, "session");

    @Test
    void thePasswordIsCheckedOnAPlatformThreadNotOnTheRequestsVirtualOne() throws Exception {
        AtomicBoolean onVirtual = new AtomicBoolean(true);
        PamLogin login = new PamLogin((user, password) -> {
            onVirtual.set(Thread.currentThread().isVirtual());
            return ALICE;
        });

        Caller caller = CompletableFuture.supplyAsync(() -> login.authenticate("alice", "pw", "127.0.0.1").caller(),
                r -> Thread.ofVirtual().start(r)).get(10, TimeUnit.SECONDS);

        assertThat(caller).isEqualTo(ALICE);
        assertThat(onVirtual).isFalse();
    }

    /**
     * The stamp of the password is read in the login's turn, before the check: a password changed while PAM checks
     * the old one leaves the session the old stamp, which the next request then finds changed.
     */
    @Test
    void thePasswordsStampIsReadInTheLoginsTurnBeforeTheCheck() throws Exception {
        List<String> steps = java.util.Collections.synchronizedList(new ArrayList<>());
        PamLogin login = new PamLogin((user, password) -> {
            steps.add("check " + user);
            if (!password.equals("pw")) throw new VmhostException(ErrorCode.UNAUTHENTICATED, "login failed");
            return new Caller(user, Role.VIEWER, "session");
        }, user -> {
            steps.add("stamp " + user + (Thread.currentThread().getName().equals("pam-login") ? " in the turn" : " elsewhere"));
            return java.util.Optional.of("stamp-of-" + user);
        });

        PamLogin.Login alice = login.authenticate("alice", "pw", "127.0.0.1");

        assertThat(alice.passwordStamp()).hasValue("stamp-of-alice");
        assertThat(steps).containsExactly("stamp alice in the turn", "check alice");
        assertThatThrownBy(() -> login.authenticate("mallory", "guess", "127.0.0.1")).hasMessage("login failed");
    }

    /** A PAM module may name the account otherwise (Alice@EXAMPLE logs in as alice): the stamp is that account's. */
    @Test
    void theStampIsOfTheAccountPamNames() {
        PamLogin login = new PamLogin((user, password) -> new Caller(user.toLowerCase(java.util.Locale.ROOT), Role.VIEWER, "session"),
                user -> java.util.Optional.of("stamp-of-" + user));

        assertThat(login.authenticate("ALICE", "pw", "127.0.0.1").passwordStamp()).hasValue("stamp-of-alice");
    }

    @Test
    void aUserNameOfControlCharactersOrBeyondAnAccountNamesLengthIsRefusedWithoutAskingPam() {
        AtomicInteger checks = new AtomicInteger();
        PamLogin login = new PamLogin((user, password) -> {
            checks.incrementAndGet();
            return ALICE;
        });

        for (String user : List.of("alice\nforged log line", "x".repeat(PamLogin.USER_NAME_MAX + 1), "a\u0000b"))
            assertThatThrownBy(() -> login.authenticate(user, "pw", "127.0.0.1"))
                    .hasMessage("a login's 'user' is an account name: at most 256 characters, no control characters");
        assertThat(login.authenticate("John Smith", "pw", "127.0.0.1").caller()).as("a directory's name with a blank").isEqualTo(ALICE);
        assertThat(checks).hasValue(1);
    }

    /** A password check that takes each login as it comes and holds it until released, counting them. */
    static final class HeldCheck implements PamLogin.Check {
        final CountDownLatch checking = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger checks = new AtomicInteger();

        @Override
        public Caller authenticate(String user, String password) {
            checks.incrementAndGet();
            checking.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return new Caller(user, Role.VIEWER, "session");
        }
    }

    /** A login on a virtual thread of its own, as a request makes it. */
    static CompletableFuture<Caller> loginAsync(PamLogin login, String user, String from) {
        return CompletableFuture.supplyAsync(() -> login.authenticate(user, "pw", from).caller(), r -> Thread.ofVirtual().start(r));
    }

    @Test
    void loginsBeyondThoseWaitingAreRefusedAtOnceAndTheWaitingOnesAllGetTheirAnswer() throws Exception {
        HeldCheck held = new HeldCheck();
        PamLogin login = new PamLogin(held);
        List<CompletableFuture<Caller>> logins = new ArrayList<>();
        logins.add(loginAsync(login, "u0", "192.0.2.0"));
        assertThat(held.checking.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 1; i <= PamLogin.WAITING; i++) logins.add(loginAsync(login, "u" + i, "192.0.2." + i));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (login.waiting() < PamLogin.WAITING && System.nanoTime() < deadline) Thread.sleep(5);

        assertThatThrownBy(() -> login.authenticate("one-too-many", "pw", "198.51.100.1"))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_BUSY))
                .hasMessageContaining("too many logins at once");
        held.release.countDown();
        for (int i = 0; i < logins.size(); i++)
            assertThat(logins.get(i).get(10, TimeUnit.SECONDS).name()).isEqualTo("u" + i);
        assertThat(held.checks).hasValue(PamLogin.WAITING + 1);
    }

    @Test
    void aRefusedPasswordComesBackAsTheCheckRefusedIt() {
        PamLogin login = new PamLogin((user, password) -> {
            throw new VmhostException(ErrorCode.UNAUTHENTICATED, "login failed: wrong user name or password");
        });

        assertThatThrownBy(() -> login.authenticate("alice", "wrong", "127.0.0.1"))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED))
                .hasMessage("login failed: wrong user name or password");
    }

    @Test
    void aLoginWithoutUserOrPasswordIsRefusedWithoutAskingPam() {
        AtomicInteger checks = new AtomicInteger();
        PamLogin login = new PamLogin((user, password) -> {
            checks.incrementAndGet();
            return ALICE;
        });

        assertThatThrownBy(() -> login.authenticate("", "pw", "127.0.0.1")).hasMessage("a login needs 'user' and 'password'");
        assertThatThrownBy(() -> login.authenticate("alice", null, "127.0.0.1")).hasMessage("a login needs 'user' and 'password'");
        assertThat(checks).hasValue(0);
    }

    @Test
    void oneAddressHoldsAtMostAFewPlacesAndOthersStillLogIn() throws Exception {
        HeldCheck held = new HeldCheck();
        PamLogin login = new PamLogin(held);
        List<CompletableFuture<Caller>> guesses = new ArrayList<>();
        for (int i = 0; i < PamLogin.PER_ADDRESS; i++) guesses.add(loginAsync(login, "g" + i, "203.0.113.9"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (login.waiting() < PamLogin.PER_ADDRESS - 1 && System.nanoTime() < deadline) Thread.sleep(5);

        assertThatThrownBy(() -> login.authenticate("g9", "pw", "203.0.113.9"))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_BUSY))
                .hasMessage("too many logins from 203.0.113.9 at once; try again in a few seconds");
        CompletableFuture<Caller> other = loginAsync(login, "admin", "127.0.0.1");
        while (login.waiting() < PamLogin.PER_ADDRESS && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(login.waiting()).as("the login from elsewhere has a place while that address is full").isEqualTo(PamLogin.PER_ADDRESS);
        held.release.countDown();
        assertThat(other.get(10, TimeUnit.SECONDS).name()).as("a login from elsewhere waits its turn").isEqualTo("admin");
        for (CompletableFuture<Caller> g : guesses) assertThat(g.get(10, TimeUnit.SECONDS)).isNotNull();
        assertThat(login.authenticate("g9", "pw", "203.0.113.9").caller().name()).as("places given back").isEqualTo("g9");
        assertThat(held.checks).hasValue(PamLogin.PER_ADDRESS + 2);
    }

    @Test
    void anIpv6AddressCountsByItsSlash64AndEveryLoopbackAddressAsOne() {
        assertThat(PamLogin.source("2001:db8:1:2::77")).isEqualTo(PamLogin.source("2001:db8:1:2:ffff::1"))
                .isEqualTo("20010db800010002::/64");
        assertThat(PamLogin.source("2001:db8:1:3::1")).isNotEqualTo(PamLogin.source("2001:db8:1:2::1"));
        assertThat(PamLogin.source("[::1]")).isEqualTo(PamLogin.source("0:0:0:0:0:0:0:1"));
        assertThat(PamLogin.source("127.0.0.2")).as("a local user may bind any loopback address")
                .isEqualTo(PamLogin.source("127.0.0.1")).isEqualTo(PamLogin.source("::1")).isEqualTo(PamLogin.source("::ffff:127.9.9.9"));
        assertThat(PamLogin.source("192.0.2.7")).isEqualTo("192.0.2.7");
        assertThat(PamLogin.source("local")).isEqualTo("local");
    }
}
