package org.vmhost.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskIdentityTest {
    @TempDir
    Path dir;

    @Test
    void aSymlinkAndAHardLinkAreTheSameDiskAsTheirFile() throws IOException {
        Path a = Files.writeString(dir.resolve("a.raw"), "x");
        Path sym = Files.createSymbolicLink(dir.resolve("sym.raw"), a);
        Path hard = Files.createLink(dir.resolve("hard.raw"), a);
        Path other = Files.writeString(dir.resolve("b.raw"), "x");
        DiskIdentity id = DiskIdentity.of(a);
        assertThat(id.key()).startsWith("file ");
        assertThat(DiskIdentity.of(sym).overlaps(id)).isTrue();
        assertThat(DiskIdentity.of(hard).overlaps(id)).isTrue();
        assertThat(DiskIdentity.of(dir.resolve("./a.raw")).overlaps(id)).isTrue();
        assertThat(DiskIdentity.of(other).overlaps(id)).isFalse();
    }

    @Test
    void aMissingTargetIsNoSuchFile() {
        assertThatThrownBy(() -> DiskIdentity.of(dir.resolve("nope"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void aDirectoryIsNeitherImageNorDevice() {
        assertThatThrownBy(() -> DiskIdentity.of(dir)).hasMessageContaining("neither an image file nor a block device");
    }

    @Test
    void aPartitionOverlapsItsWholeDiskButNotAnotherPartition() {
        DiskIdentity disk = new DiskIdentity("block 7:0", java.util.Optional.empty(), Path.of("/dev/loop0"));
        DiskIdentity p1 = new DiskIdentity("block 259:1", java.util.Optional.of("block 7:0"), Path.of("/dev/loop0p1"));
        DiskIdentity p2 = new DiskIdentity("block 259:2", java.util.Optional.of("block 7:0"), Path.of("/dev/loop0p2"));
        assertThat(p1.overlaps(disk)).isTrue();
        assertThat(disk.overlaps(p1)).isTrue();
        assertThat(p1.overlaps(p2)).isFalse();
    }

    @Test
    void deviceNumbersSplitAsGlibcDoes() {
        long rdev = (259L << 8) | 3; // makedev(259, 3) for small numbers
        assertThat(DiskIdentity.major(rdev)).isEqualTo(259 & 0xfff);
        assertThat(DiskIdentity.minor(rdev)).isEqualTo(3);
        long big = ((0x1234L & 0xfff) << 8) | ((0x1234L & ~0xfffL) << 32) | ((0x56789L & 0xff)) | ((0x56789L & ~0xffL) << 12);
        assertThat(DiskIdentity.major(big)).isEqualTo(0x1234);
        assertThat(DiskIdentity.minor(big)).isEqualTo(0x56789);
    }

    @Test
    void theDevNullCharacterDeviceIsNoDisk() {
        assertThat(DiskIdentity.isBlockDevice(Path.of("/dev/null"))).isFalse();
    }
}
