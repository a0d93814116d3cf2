package org.vmhost.cli;

import org.vmhost.api.ApiClient;
import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * Who is logged in to xend's web GUI or TCP API, and ending their sessions: {@code xm session-list},
 * {@code xm session-delete USER}. A password that leaked or an account to be locked needs this: a session otherwise
 * lasts its 8 hours, and xend cannot see a password change.
 */
final class SessionCommands {
    private SessionCommands() {
    }

    @Command(name = "session-list", description = "List the login sessions of the web GUI and TCP API: user, role at login, "
            + "when each ends (never their ids or tokens).")
    static final class ListSessions extends DaemonCommand {
        ListSessions(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            context.out().printf("%-24s %-13s %s%n", "User", "Role at login", "Expires");
            for (ApiClient.SessionEntry s : ((ApiClient) xend).listSessions())
                context.out().printf("%-24s %-13s %s%n", s.user(), s.role().name().toLowerCase(java.util.Locale.ROOT), s.expires());
            return 0;
        }
    }

    @Command(name = "session-delete", description = {"End every login session of USER at once, with the consoles and event "
            + "streams they hold open.", "The user may log in again: lock the account (passwd -l) to stop that."})
    static final class Delete extends DaemonCommand {
        @Parameters(paramLabel = "USER", description = "The host user whose sessions end.")
        String user;

        Delete(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            int ended = ((ApiClient) xend).deleteSessions(user);
            context.out().println(ended + (ended == 1 ? " session" : " sessions") + " of '" + user + "' ended");
            return 0;
        }
    }
}
