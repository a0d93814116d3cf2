package org.vmhost.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmhost.error.VmhostException;
import org.vmhost.host.HostCommand;

/**
 * Lending a file to QEMU's user and giving it back, on real files, as root, the way a local user would attack it:
 * by owning a directory on the file's way (to swap the file for a link to a root file while it is lent), or by
 * swapping it anyway. Needs root and the user setup/install.sh makes.
 */
class QemuUserTest {
    private QemuUser user;
    private Path dir;
    private Path victim;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(HostCommand.of("id", "-u").tryRun().output().strip().equals("0"), "needs root: it changes files' owners");
        user = QemuUser.lookUp(QemuUser.NAME).orElse(null);
        assumeTrue(user != null, "needs the user " + QemuUser.NAME + " (setup/install.sh makes it)");
        dir = Files.createTempDirectory(Path.of("/tmp"), "vmh-lend-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x")); // QEMU's user may search it
        victim = Files.writeString(dir.resolve("victim"), "root's own\n");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-------"));
    }

    @AfterEach
    void tearDown() throws IOException {
        if (dir == null) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static int owner(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void aFileIsLentAndGivenBackToItsOwner() throws IOException {
        Path iso = Files.writeString(dir.resolve("inst.iso"), "medium\n");
        Files.setAttribute(iso, "unix:uid", 65534);
        QemuUser.Owner before = user.lend(iso, false);
        assertThat(owner(iso)).isEqualTo(user.uid());
        user.giveBack(iso, before);
        assertThat(owner(iso)).isEqualTo(65534);
    }

    @Test
    void aFileInADirectoryAnotherUserOwnsIsRefusedAndLeftAsItWas() throws IOException {
        Path home = Files.createDirectory(dir.resolve("alice"));
        Path iso = Files.writeString(home.resolve("inst.iso"), "medium\n");
        Files.setAttribute(home, "unix:uid", 65534);
        assertThatThrownBy(() -> user.lend(iso, false)).isInstanceOf(VmhostException.class)
                .hasMessageContaining(home + " is writable by uid 65534");
        assertThat(owner(iso)).isZero();
    }

    /**
     * Under a sticky directory such as /tmp, only a root-owned directory's file may be lent: a file lent straight out
     * of the sticky directory becomes QEMU's user's, which may then rename it there, and a user's file may be renamed
     * by that user.
     */
    @Test
    void underAStickyDirectoryOnlyAFileInARootOwnedDirectoryMayBeLent() throws IOException {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setAttribute(shared, "unix:mode", 01777);
        Path roots = Files.writeString(Files.createDirectory(shared.resolve("roots")).resolve("a.iso"), "medium\n");
        Files.setAttribute(roots.getParent(), "unix:mode", 0711);
        Path loose = Files.writeString(shared.resolve("loose.iso"), "medium\n");
        Path users = Files.writeString(shared.resolve("users.iso"), "medium\n");
        Files.setAttribute(users, "unix:uid", 65534);

        user.giveBack(roots, user.lend(roots, false));
        assertThat(owner(roots)).isZero();
        for (Path refused : List.of(loose, users)) {
            int before = owner(refused);
            assertThatThrownBy(() -> user.lend(refused, false)).hasMessageContaining(shared + " is writable by others");
            assertThat(owner(refused)).isEqualTo(before);
        }
    }

    @Test
    void aDirectoryQemusUserCannotSearchIsRefusedBeforeAnythingChanges() throws IOException {
        Path closed = Files.createDirectory(dir.resolve("closed"));
        Files.setAttribute(closed, "unix:mode", 0700);
        Path iso = Files.writeString(closed.resolve("inst.iso"), "medium\n");
        assertThatThrownBy(() -> user.requireLendable(iso)).hasMessageContaining("cannot search the directory " + closed);
        assertThatThrownBy(() -> user.lend(iso, false)).hasMessageContaining("cannot search the directory " + closed);
        assertThat(owner(iso)).isZero();
    }

    @Test
    void neitherAFileNorADeviceIsRefused() throws IOException {
        Path fifo = dir.resolve("fifo");
        HostCommand.of("mkfifo", fifo.toString()).run();
        assertThatThrownBy(() -> user.lend(fifo, false)).hasMessageContaining("neither a regular file nor a block device");
        assertThat(owner(fifo)).isZero();
    }

    @Test
    void whatIsGivenBackIsOnlyTheFileThatWasLentNeverWhatALinkInItsPlaceNames() throws IOException {
        Path iso = Files.writeString(dir.resolve("inst.iso"), "medium\n");
        Files.setAttribute(iso, "unix:uid", 65534);
        QemuUser.Owner before = user.lend(iso, false);

        // Swapped while lent for a link to a root file: nothing is given to the lender's owner, through it or not.
        Files.move(iso, dir.resolve("moved.iso"));
        Files.createSymbolicLink(iso, victim);
        user.giveBack(iso, before);
        assertThat(owner(victim)).isZero();
        assertThat(owner(iso)).as("the link itself").isZero();

        // Swapped for another file QEMU's user owns: not the one lent, so it stays as it is.
        Files.delete(iso);
        Path other = Files.writeString(iso, "another\n");
        Files.setAttribute(other, "unix:uid", user.uid());
        user.giveBack(iso, before);
        assertThat(owner(iso)).isEqualTo(user.uid());

        // Put back, it is given back.
        Files.delete(iso);
        Files.move(dir.resolve("moved.iso"), iso);
        user.giveBack(iso, before);
        assertThat(owner(iso)).isEqualTo(65534);
    }
}
