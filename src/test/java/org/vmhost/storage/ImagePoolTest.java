package org.vmhost.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.host.HostCommand;

/** The pool against the real qemu-img (installed with QEMU by setup/install.sh). */
class ImagePoolTest {
    @TempDir
    Path dir;

    @Test
    void aRawImageIsSparseAndAQcow2OneSmall() {
        ImagePool pool = ImagePool.make(dir.resolve("pool"));
        ImageInfo raw = pool.create("a.raw", "raw", ImagePool.parseSize("64M"));
        assertThat(raw.format()).isEqualTo("raw");
        assertThat(raw.virtualSize()).isEqualTo(64L << 20);
        assertThat(raw.actualSize()).isLessThan(1 << 20);
        ImageInfo q = pool.create("b.qcow2", "qcow2", ImagePool.parseSize("1G"));
        assertThat(q.format()).isEqualTo("qcow2");
        assertThat(q.virtualSize()).isEqualTo(1L << 30);
        assertThat(pool.list()).extracting(ImageInfo::name).containsExactly("a.raw", "b.qcow2");
    }

    @Test
    void aFullCloneIsIndependentAndALinkedOneReadsItsBase() throws IOException {
        ImagePool pool = ImagePool.open(dir);
        pool.create("base.raw", "raw", 8 << 20);
        Files.write(dir.resolve("base.raw"), "base data".getBytes(), java.nio.file.StandardOpenOption.WRITE);
        ImageInfo full = pool.cloneImage("base.raw", "full.raw", false);
        assertThat(full.format()).isEqualTo("raw");
        assertThat(full.backingFile()).isEmpty();
        assertThat(new String(Files.readAllBytes(dir.resolve("full.raw")), 0, 9)).isEqualTo("base data");
        ImageInfo linked = pool.cloneImage("base.raw", "linked.qcow2", true);
        assertThat(linked.format()).isEqualTo("qcow2");
        assertThat(linked.backingFile()).contains(dir.resolve("base.raw").toString());
        assertThat(linked.virtualSize()).isEqualTo(8 << 20);
    }

    @Test
    void resizeGrowsAndRefusesToShrinkUnlessAsked() {
        ImagePool pool = ImagePool.open(dir);
        pool.create("r.qcow2", "qcow2", 16 << 20);
        assertThat(pool.resize("r.qcow2", 32 << 20, false).virtualSize()).isEqualTo(32 << 20);
        assertThatThrownBy(() -> pool.resize("r.qcow2", 8 << 20, false)).hasMessageContaining("--shrink");
        pool.create("s.raw", "raw", 16 << 20);
        assertThat(pool.resize("s.raw", 8 << 20, true).virtualSize()).isEqualTo(8 << 20);
    }

    @Test
    void namesStayInsideThePoolAndNeverBecomeOptions() {
        ImagePool pool = ImagePool.open(dir);
        for (String bad : new String[] {"../x.raw", "a/b.raw", "-f.raw", ".hidden", "", "a b.raw"}) {
            assertThatThrownBy(() -> pool.create(bad, "raw", 1 << 20)).as(bad).isInstanceOf(StorageException.class)
                    .hasMessageContaining("invalid image name");
        }
        assertThatThrownBy(() -> pool.create("x.raw", "vmdk", 1 << 20)).hasMessageContaining("not one of");
        pool.create("x.raw", "raw", 1 << 20);
        assertThatThrownBy(() -> pool.create("x.raw", "raw", 1 << 20)).isInstanceOf(StorageException.class)
                .extracting(e -> ((StorageException) e).kind()).isEqualTo(StorageException.Kind.EXISTS);
        assertThatThrownBy(() -> pool.info("nope.raw")).hasMessageContaining("does not exist");
    }

    @Test
    void sizesAreBytesOrPowersOf1024() {
        assertThat(ImagePool.parseSize("4096")).isEqualTo(4096);
        assertThat(ImagePool.parseSize("512K")).isEqualTo(512 << 10);
        assertThat(ImagePool.parseSize("8g")).isEqualTo(8L << 30);
        assertThat(ImagePool.parseSize("2GiB")).isEqualTo(2L << 30);
        assertThatThrownBy(() -> ImagePool.parseSize("1.5G")).hasMessageContaining("invalid size");
    }

    static final String SECRET = "vmhost-host-secret-7f3a";

    /** A qcow2 header naming {@code target} as a raw backing file, as a guest could write it into its disk. */
    static byte[] header(Path scratch, Path target) throws IOException {
        Path h = scratch.resolve("header.qcow2");
        HostCommand.of(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", target.toString(), "-F", "raw",
                h.toString(), "64M")).run();
        return Files.readAllBytes(h);
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    static void writeAt0(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), 0);
        }
    }

    @Test
    void aQcow2HeaderAGuestWroteIntoItsRawImageIsReadAsRawAndCloningCopiesTheGuestsBytesNotTheHostFile() throws IOException {
        Path secret = Files.writeString(Files.createDirectories(dir.resolve("host")).resolve("secret.txt"), SECRET + "\n");
        ImagePool pool = ImagePool.make(dir.resolve("pool"));
        pool.create("victim.raw", "raw", 8 << 20);
        byte[] header = header(Files.createDirectories(dir.resolve("scratch")), secret);
        writeAt0(pool.path("victim.raw"), header);

        ImageInfo info = pool.info("victim.raw");
        assertThat(info.format()).isEqualTo("raw");
        assertThat(info.backingFile()).isEmpty();
        assertThat(info.recorded()).isTrue();
        assertThat(info.virtualSize()).isEqualTo(8 << 20);
        assertThat(pool.list()).singleElement().extracting(ImageInfo::format).isEqualTo("raw");

        ImageInfo copy = pool.cloneImage("victim.raw", "copy.raw", false);
        assertThat(copy.format()).isEqualTo("raw");
        assertThat(copy.backingFile()).isEmpty();
        byte[] copied = Files.readAllBytes(pool.path("copy.raw"));
        assertThat(new String(copied, StandardCharsets.ISO_8859_1)).doesNotContain(SECRET);
        assertThat(java.util.Arrays.copyOf(copied, header.length)).as("the clone holds the guest's bytes").isEqualTo(header);

        // A linked clone reads it as raw too, and a config that calls it qcow2 is refused: the record says raw.
        ImageInfo linked = pool.cloneImage("victim.raw", "linked.qcow2", true);
        assertThat(linked.backingFile()).contains(pool.path("victim.raw").toString());
        ImagePool.requireContained(pool.path("linked.qcow2"), "qcow2");
        assertThatThrownBy(() -> ImagePool.requireContained(pool.path("victim.raw"), "qcow2"))
                .hasMessageContaining("recorded as raw");
    }

    @Test
    void anImageFoundWithoutARecordIsRawUntilTheAdministratorImportsItWithItsFormat() throws IOException {
        Path secret = Files.writeString(dir.resolve("secret.txt"), SECRET);
        ImagePool pool = ImagePool.make(dir.resolve("pool"));
        HostCommand.of(List.of("qemu-img", "create", "-q", "-f", "qcow2", pool.path("found.qcow2").toString(), "16M")).run();
        Files.write(pool.path("evil.qcow2"), header(Files.createDirectories(dir.resolve("scratch")), secret));

        assertThat(pool.list()).extracting(ImageInfo::name, ImageInfo::format, ImageInfo::recorded)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("evil.qcow2", "raw", false),
                        org.assertj.core.groups.Tuple.tuple("found.qcow2", "raw", false));
        assertThat(pool.info("evil.qcow2").backingFile()).isEmpty();
        assertThat(pool.cloneImage("evil.qcow2", "evil-copy.raw", false).format()).isEqualTo("raw");
        assertThat(Files.readString(pool.path("evil-copy.raw"), StandardCharsets.ISO_8859_1)).doesNotContain(SECRET);

        ImageInfo found = pool.importImage("found.qcow2", "qcow2");
        assertThat(found.format()).isEqualTo("qcow2");
        assertThat(found.recorded()).isTrue();
        assertThat(found.virtualSize()).isEqualTo(16 << 20);
        assertThatThrownBy(() -> pool.importImage("found.qcow2", "raw")).hasMessageContaining("recorded already, as qcow2");
        assertThatThrownBy(() -> pool.importImage("evil.qcow2", "qcow2")).hasMessageContaining("outside its directory");
        assertThat(pool.info("evil.qcow2").format()).as("a refused import records nothing").isEqualTo("raw");
        assertThat(pool.info("evil.qcow2").recorded()).isFalse();
    }

    @Test
    void deletingTheBackingImageOfALinkedCloneIsRefusedNamingTheClone() {
        ImagePool pool = ImagePool.make(dir.resolve("pool"));
        pool.create("base.raw", "raw", 4 << 20);
        pool.cloneImage("base.raw", "web1.qcow2", true);
        pool.cloneImage("web1.qcow2", "web2.qcow2", true);
        assertThatThrownBy(() -> pool.delete("base.raw")).isInstanceOf(StorageException.class)
                .hasMessageContaining("linked clone web1.qcow2");
        assertThatThrownBy(() -> pool.delete("web1.qcow2")).hasMessageContaining("linked clone web2.qcow2");
        assertThat(pool.path("base.raw")).exists();
        assertThatThrownBy(() -> pool.resize("base.raw", 2 << 20, true)).hasMessageContaining("linked clone web1.qcow2");
        assertThat(pool.resize("base.raw", 8 << 20, false).virtualSize()).as("growing it cuts nothing").isEqualTo(8 << 20);
        pool.delete("web2.qcow2");
        pool.delete("web1.qcow2");
        pool.delete("base.raw");
        assertThat(pool.list()).isEmpty();
    }

    @Test
    void imagesThePoolMakesArePrivateInAPrivateDirectory() throws IOException {
        ImagePool pool = ImagePool.make(dir.resolve("new-pool"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pool.dir()))).isEqualTo("rwx------");
        pool.create("a.raw", "raw", 1 << 20);
        pool.create("b.qcow2", "qcow2", 1 << 20);
        pool.cloneImage("a.raw", "c.raw", false);
        pool.cloneImage("a.raw", "d.qcow2", true);
        for (String name : List.of("a.raw", "b.qcow2", "c.raw", "d.qcow2", PoolRecords.FILE)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pool.dir().resolve(name)))).as(name)
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void openingAPoolNeverMakesItsDirectory() {
        Path missing = dir.resolve("made-by-get");
        assertThatThrownBy(() -> ImagePool.open(missing)).isInstanceOf(StorageException.class).hasMessageContaining("does not exist");
        assertThat(missing).doesNotExist();
    }

    @Test
    void aQcow2DiskWhoseChainLeavesItsDirectoryOrLeavesAFormatUnstatedIsRefused() throws IOException {
        Path secret = Files.writeString(dir.resolve("secret.txt"), SECRET);
        Path images = Files.createDirectories(dir.resolve("images"));
        Path out = images.resolve("out.qcow2");
        Files.write(out, header(Files.createDirectories(dir.resolve("scratch")), secret));
        assertThatThrownBy(() -> ImagePool.requireContained(out, "qcow2")).hasMessageContaining("outside its directory");
        ImagePool.requireContained(out, "raw"); // as raw, nothing in it is read

        Path base = images.resolve("base.img");
        HostCommand.of(List.of("qemu-img", "create", "-q", "-f", "raw", base.toString(), "1M")).run();
        Path unstated = images.resolve("unstated.qcow2");
        HostCommand.of(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "raw", unstated.toString()))
                .run();
        // qemu-img no longer writes such images: turn the backing-format extension (0xe2792aca) into an unknown one.
        byte[] image = Files.readAllBytes(unstated);
        int at = indexOf(image, new byte[] {(byte) 0xe2, 0x79, 0x2a, (byte) 0xca});
        assertThat(at).isPositive();
        image[at] = 0x12;
        Files.write(unstated, image);
        assertThatThrownBy(() -> ImagePool.requireContained(unstated, "qcow2")).hasMessageContaining("does not state the format");

        Path dataFile = images.resolve("data.qcow2");
        HostCommand.of(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-o", "data_file=" + secret, dataFile.toString(), "1M")).run();
        assertThatThrownBy(() -> ImagePool.requireContained(dataFile, "qcow2")).hasMessageContaining("keeps its data in another file");

        Path chain = images.resolve("chain.qcow2");
        HostCommand.of(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", out.toString(), "-F", "qcow2", "-u",
                chain.toString(), "1M")).run();
        assertThatThrownBy(() -> ImagePool.requireContained(chain, "qcow2")).as("a backing file's own backing is checked too")
                .hasMessageContaining("out.qcow2 names backing file " + secret);
    }

    @Test
    void thePoolsRecordsAreOneJsonFileOfFormatsAndBackingImages() throws IOException {
        ImagePool pool = ImagePool.make(dir.resolve("pool"));
        pool.create("base.raw", "raw", 1 << 20);
        pool.cloneImage("base.raw", "l.qcow2", true);
        String text = Files.readString(pool.dir().resolve(PoolRecords.FILE));
        assertThat(text).contains("\"version\" : 1", "\"base.raw\"", "\"backing\" : \"base.raw\"");
        assertThat(PoolRecords.read(pool.dir())).containsEntry("l.qcow2",
                new PoolRecords.Entry("qcow2", java.util.Optional.of("base.raw")));
        assertThat(pool.dir().resolve(PoolRecords.FILE + ".tmp")).doesNotExist();
    }
}
