package org.vmhost.cli;

import org.vmhost.api.ApiClient;
import org.vmhost.api.Role;
import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Bearer tokens for scripts that use xend's API over TCP: {@code xm token-create [--viewer] NAME},
 * {@code token-list}, {@code token-delete NAME}. xend keeps only a token's hash; its value is printed once, when
 * it is made. The admin token in {@code $VMHOST_HOME/api.token} keeps working beside these.
 */
final class TokenCommands {
    private TokenCommands() {
    }

    @Command(name = "token-create", description = {"Make a bearer token for the TCP API and print it, the only time it is shown.",
            "Send it as 'Authorization: Bearer TOKEN'. An administrator's token unless --viewer."})
    static final class Create extends DaemonCommand {
        @Option(names = "--viewer", description = "A token that may only look, never change anything.")
        boolean viewer;

        @Parameters(paramLabel = "NAME", description = "A name for the token (letters, digits, '.', '_', '-').")
        String name;

        Create(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            context.out().println(((ApiClient) xend).createToken(name, viewer ? Role.VIEWER : Role.ADMIN));
            return 0;
        }
    }

    @Command(name = "token-list", description = "List the bearer tokens: name, role, when and by whom made (never their values).")
    static final class ListTokens extends DaemonCommand {
        ListTokens(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            context.out().printf("%-24s %-7s %-27s %s%n", "Name", "Role", "Created", "Made by");
            for (ApiClient.TokenInfo t : ((ApiClient) xend).listTokens())
                context.out().printf("%-24s %-7s %-27s %s%n", t.name(), t.role().name().toLowerCase(java.util.Locale.ROOT), t.created(),
                        t.madeBy().orElse("-"));
            return 0;
        }
    }

    @Command(name = "token-delete", description = "Delete a bearer token; it stops working at once.")
    static final class Delete extends DaemonCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        Delete(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            ((ApiClient) xend).deleteToken(name);
            return 0;
        }
    }
}
