package org.vmhost.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class XendHomeTest {
    @TempDir
    Path tmp;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void aNewHomeIsOwnerOnlyWhateverTheUmask() throws Exception {
        XendHome home = new XendHome(tmp.resolve("a/home"));
        home.createPrivately();
        for (Path dir : new Path[] {home.root(), home.runDir(), home.logDir(), home.logDir().resolve("console"),
                home.logDir().resolve("qemu"), home.imagesDir()})
            assertThat(mode(dir)).as("%s", dir).isEqualTo("rwx------");
    }

    @Test
    void whatAnOlderXendLeftReadableIsTightened() throws Exception {
        XendHome home = new XendHome(tmp.resolve("home"));
        var open = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"));
        var readable = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"));
        Files.createDirectories(home.root(), open);
        Files.createDirectory(home.logDir(), open);
        Files.createDirectory(home.logDir().resolve("console"), open);
        Files.createDirectory(home.imagesDir(), open);
        Path console = Files.createFile(home.consoleLog("u1"), readable);
        Path db = Files.createFile(home.database(), readable);
        Path wal = Files.createFile(home.root().resolve("xend.db-wal"), readable);
        Path xendLog = Files.createFile(home.xendLog(), readable);
        Path image = Files.createFile(home.imagesDir().resolve("disk.qcow2"), readable);
        Files.setPosixFilePermissions(home.root(), PosixFilePermissions.fromString("rwxr-xr-x"));

        home.createPrivately();

        assertThat(mode(console)).isEqualTo("rw-------");
        assertThat(mode(db)).isEqualTo("rw-------");
        assertThat(mode(wal)).isEqualTo("rw-------");
        assertThat(mode(xendLog)).isEqualTo("rw-------");
        assertThat(mode(home.logDir())).isEqualTo("rwx------");
        assertThat(mode(home.logDir().resolve("console"))).isEqualTo("rwx------");
        // The root and images/ can no longer be listed by others, and images not be read; a search bit on a
        // directory and a group read bit on an image stay, as they may be an ACL's mask (QEMU's own user).
        assertThat(mode(home.root())).isEqualTo("rwx--x--x");
        assertThat(mode(home.imagesDir())).isEqualTo("rwx--x--x");
        assertThat(mode(image)).isEqualTo("rw-r-----");
    }
}
