package org.vmhost.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.store.Store;

/** Which directories are storage pools, and that reading one changes nothing (a GET of the image routes). */
class ImageOperationsTest {
    @TempDir
    Path dir;
    Store store;
    XendHome home;
    Path registered;
    ImageOperations images;

    @BeforeEach
    void open() throws Exception {
        home = new XendHome(dir.resolve("home"));
        Files.createDirectories(home.root());
        store = Store.open(home.database());
        registered = Files.createDirectories(dir.resolve("srv-pool"));
        images = new ImageOperations(null, home, store, new DomainRegistry(), List.of(registered));
    }

    @AfterEach
    void close() {
        store.close();
    }

    static ErrorCode code(Runnable call) {
        try {
            call.run();
        } catch (VmhostException e) {
            return e.code();
        }
        throw new AssertionError("no error");
    }

    @Test
    void listingOrReadingAPoolNeverMakesADirectory() {
        Path madeByGet = dir.resolve("made-by-get");
        assertThat(code(() -> images.listImages(madeByGet.toString()))).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(code(() -> images.imageInfo(madeByGet.toString(), "a.raw"))).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(madeByGet).doesNotExist();
        // xend's own pool is empty until an image is made in it, and reading it does not make it either.
        assertThat(images.listImages("")).isEmpty();
        assertThat(code(() -> images.imageInfo("", "a.raw"))).isEqualTo(ErrorCode.NO_SUCH_DEVICE);
        assertThat(home.imagesDir()).doesNotExist();
    }

    @Test
    void aPoolIsXendsOwnOrOneXendConfNamesAndNoOtherDirectoryIsListed() {
        assertThatThrownBy(() -> images.listImages("/root")).isInstanceOf(VmhostException.class)
                .hasMessageContaining("/root is not one of xend's storage pools").hasMessageContaining("image_pools");
        assertThat(code(() -> images.createImage("/tmp", "x.raw", "raw", 1 << 20))).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(code(() -> images.listImages("relative/dir"))).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(code(() -> images.listImages(registered + "/../srv-pool/../home"))).isEqualTo(ErrorCode.UNAUTHORIZED);

        images.createImage(registered.toString(), "r.raw", "raw", 1 << 20);
        assertThat(images.listImages(registered + "/")).extracting(org.vmhost.storage.ImageInfo::name).containsExactly("r.raw");
        images.createImage("", "own.qcow2", "qcow2", 1 << 20);
        assertThat(images.listImages(home.imagesDir().toString())).extracting(org.vmhost.storage.ImageInfo::format)
                .containsExactly("qcow2");
    }

    @Test
    void aRegisteredPoolThatDoesNotExistIsNotMade() throws Exception {
        Path gone = dir.resolve("gone");
        ImageOperations ops = new ImageOperations(null, home, store, new DomainRegistry(), List.of(gone));
        assertThat(code(() -> ops.listImages(gone.toString()))).isEqualTo(ErrorCode.NO_SUCH_DEVICE);
        assertThat(code(() -> ops.createImage(gone.toString(), "x.raw", "raw", 1 << 20))).isEqualTo(ErrorCode.NO_SUCH_DEVICE);
        assertThat(gone).doesNotExist();
    }

    @Test
    void deletingALinkedClonesBackingImageIsRefusedNamingTheClone() {
        images.createImage("", "base.raw", "raw", 1 << 20);
        images.cloneImage("", "base.raw", "web1.qcow2", true);
        assertThatThrownBy(() -> images.deleteImage("", "base.raw")).isInstanceOf(VmhostException.class)
                .hasMessageContaining("linked clone web1.qcow2")
                .extracting(e -> ((VmhostException) e).code()).isEqualTo(ErrorCode.RESOURCE_BUSY);
        assertThat(home.imagesDir().resolve("base.raw")).exists();
    }
}
