package org.vmhost.api;

import java.util.Objects;
import java.util.Optional;
import org.jvnet.libpam.PAM;
import org.jvnet.libpam.PAMException;
import org.jvnet.libpam.UnixUser;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * Logging in with the host's own accounts, through PAM, as Cockpit does and xend's Xen-API server did. The PAM
 * service ({@code /etc/pam.d/vmhost}, installed by setup/install.sh) decides how a password is checked; xend
 * decides the role: root and members of the socket group are administrators, everyone else a viewer.
 *
 * <p>One login at a time: PAM modules are not all safe to run concurrently, and a password guesser gains
 * nothing from many connections (pam_unix also waits after each failure).
 */
final class PamLogin {
    private final String service;
    private final Optional<String> adminGroup;

    PamLogin(String service, Optional<String> adminGroup) {
        this.service = Objects.requireNonNull(service);
        this.adminGroup = Objects.requireNonNull(adminGroup);
    }

    synchronized Caller authenticate(String user, String password) {
        if (user == null || user.isEmpty() || password == null)
            throw new VmhostException(ErrorCode.BAD_REQUEST, "a login needs 'user' and 'password'");
        PAM pam = null;
        try {
            pam = new PAM(service);
            UnixUser u = pam.authenticate(user, password);
            boolean admin = u.getUID() == 0 || adminGroup.map(g -> u.getGroups().contains(g)).orElse(false);
            return new Caller(u.getUserName(), admin ? Role.ADMIN : Role.VIEWER, "session");
        } catch (PAMException e) {
            // PAM's reason (no such user, wrong password, expired) stays in xend's log, never in the answer
            System.getLogger(PamLogin.class.getName()).log(System.Logger.Level.INFO,
                    "login of '" + user.replaceAll("[^\\x21-\\x7e]", "?") + "' refused: " + e.getMessage());
            throw new VmhostException(ErrorCode.UNAUTHENTICATED, "login failed: wrong user name or password");
        } finally {
            if (pam != null) pam.dispose();
        }
    }
}
