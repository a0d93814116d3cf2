package org.vmhost.domain;

import org.vmhost.error.VmhostException;
import org.vmhost.error.ErrorCode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vmhost.domain.Transitions.Operation;

class TransitionsTest {

    @Test
    void everyPairOfStatesIsDecidedAsTheLifecycleExpects() {
        // The expected table, written out again independently of Transitions, pair by pair.
        String expected = """
                SHUT_OFF      -> STARTING REATTACHING
                REATTACHING   -> RUNNING PAUSED DYING SHUT_OFF
                STARTING      -> RUNNING PAUSED SHUT_OFF
                RUNNING       -> BLOCKED PAUSED SHUTTING_DOWN CRASHED DYING SHUT_OFF SAVING MIGRATING
                BLOCKED       -> RUNNING PAUSED SHUTTING_DOWN CRASHED DYING SHUT_OFF SAVING MIGRATING
                PAUSED        -> RUNNING CRASHED DYING SHUT_OFF SAVING MIGRATING
                SHUTTING_DOWN -> RUNNING CRASHED DYING SHUT_OFF
                CRASHED       -> RUNNING DYING SHUT_OFF
                DYING         -> SHUT_OFF
                SAVING        -> RUNNING BLOCKED PAUSED CRASHED DYING SHUT_OFF
                MIGRATING     -> RUNNING BLOCKED PAUSED CRASHED DYING SHUT_OFF
                """;
        for (String line : expected.strip().split("\n")) {
            String[] sides = line.split("->");
            DomainState from = DomainState.valueOf(sides[0].trim());
            Set<DomainState> to = EnumSet.noneOf(DomainState.class);
            for (String s : sides[1].trim().split("\\s+")) to.add(DomainState.valueOf(s));
            for (DomainState next : DomainState.values()) {
                assertThat(Transitions.allowed(from, next))
                        .as("%s -> %s", from, next)
                        .isEqualTo(next == from || to.contains(next));
            }
        }
    }

    @Test
    void pauseFailsWhenDomainIsShutOffAndNamesTheDomainAndItsState() {
        assertThatThrownBy(() -> Transitions.requireAllowed("web1", Operation.PAUSE, DomainState.SHUT_OFF))
                .isInstanceOfSatisfying(VmhostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_STATE))
                .hasMessage("cannot pause domain 'web1': it is not running");
    }

    @Test
    void deleteIsOnlyAllowedForADomainThatIsNotRunning() {
        for (DomainState s : DomainState.values()) {
            assertThat(Operation.DELETE.allowedIn(s)).as(s.name()).isEqualTo(s == DomainState.SHUT_OFF);
        }
    }

    @Test
    void xmStateFieldPutsTheLetterInItsColumn() {
        assertThat(DomainState.RUNNING.xmStateField()).isEqualTo("r-----");
        assertThat(DomainState.BLOCKED.xmStateField()).isEqualTo("-b----");
        assertThat(DomainState.PAUSED.xmStateField()).isEqualTo("--p---");
        assertThat(DomainState.SHUTTING_DOWN.xmStateField()).isEqualTo("---s--");
        assertThat(DomainState.CRASHED.xmStateField()).isEqualTo("----c-");
        assertThat(DomainState.DYING.xmStateField()).isEqualTo("-----d");
        assertThat(DomainState.SHUT_OFF.xmStateField()).isEqualTo("------");
        assertThat(DomainState.REATTACHING.xmStateField()).as("listed with its id, no letter yet").isEqualTo("------");
        assertThat(DomainState.SAVING.xmStateField()).isEqualTo("---s--");
        assertThat(DomainState.MIGRATING.xmStateField()).isEqualTo("---s--");
    }

    @Test
    void aDomainBeingSavedOrMigratedAllowsNoOperationButItsConsoles() {
        for (DomainState owned : new DomainState[] {DomainState.SAVING, DomainState.MIGRATING}) {
            assertThat(owned.owned()).isTrue();
            for (Operation op : Operation.values()) {
                assertThat(op.allowedIn(owned)).as("%s in %s", op, owned).isEqualTo(op == Operation.CONSOLE);
            }
        }
        assertThatThrownBy(() -> Transitions.requireAllowed("web1", Operation.SAVE, DomainState.SAVING))
                .hasMessage("cannot save domain 'web1': it is being saved (xm save)");
    }
}
