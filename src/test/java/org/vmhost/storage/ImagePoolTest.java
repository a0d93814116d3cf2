package org.vmhost.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pool against the real qemu-img (installed with QEMU by setup/install.sh). */
class ImagePoolTest {
    @TempDir
    Path dir;

    @Test
    void aRawImageIsSparseAndAQcow2OneSmall() {
        ImagePool pool = ImagePool.open(dir.resolve("pool"));
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
}
