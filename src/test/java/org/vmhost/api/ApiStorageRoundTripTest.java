package org.vmhost.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.domain.BlockDeviceInfo;
import org.vmhost.domain.BlockDeviceRequest;
import org.vmhost.domain.DomainState;
import org.vmhost.error.ErrorCode;
import org.vmhost.domain.FakeDomainService;
import org.vmhost.error.VmhostException;
import org.vmhost.storage.ImageInfo;

/** The disk and image calls from ApiClient through ApiServer and back, every exchange checked against openapi.yaml. */
class ApiStorageRoundTripTest {
    @TempDir
    Path home;
    ApiFixture api;
    ApiClient client;

    @BeforeEach
    void start() {
        api = new ApiFixture(home, new FakeDomainService().with(FakeDomainService.domain("web1", DomainState.RUNNING)));
        client = api.client();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void disksAreAttachedListedChangedAndDetached() {
        BlockDeviceInfo attached = client.attachBlockDevice("web1", new BlockDeviceRequest("tap:qcow2:/img/a b,c.qcow2", "xvdb", "w"));
        assertThat(attached.devid()).isEqualTo(51728);
        client.attachBlockDevice("web1", new BlockDeviceRequest("file:/iso/x.iso", "hdc", "r"));
        assertThat(client.listBlockDevices("web1")).extracting(BlockDeviceInfo::vdev).containsExactly("xvdb", "hdc");
        assertThat(client.configureBlockDevice("web1", new BlockDeviceRequest("", "hdc", "r")).uname()).isEmpty();
        client.detachBlockDevice("web1", "51728", true);
        assertThat(api.fake.calls()).contains("attachBlockDevice web1 tap:qcow2:/img/a b,c.qcow2 xvdb w",
                "configureBlockDevice web1  hdc r", "detachBlockDevice web1 51728 force=true");
        assertThatThrownBy(() -> client.detachBlockDevice("web1", "xvdz", false)).isInstanceOf(VmhostException.class)
                .extracting(e -> ((VmhostException) e).code()).isEqualTo(ErrorCode.NO_SUCH_DEVICE);
    }

    @Test
    void imagesAreCreatedClonedResizedAndDeletedInAPool() {
        ImageInfo base = client.createImage("", "base.raw", "raw", 64L << 20);
        assertThat(base.backingFile()).isEmpty();
        ImageInfo linked = client.cloneImage("", "base.raw", "linked.qcow2", true);
        assertThat(linked.backingFile()).isEqualTo(Optional.of(base.path()));
        assertThat(client.resizeImage("", "linked.qcow2", 128L << 20, false).virtualSize()).isEqualTo(128L << 20);
        assertThat(client.listImages("")).extracting(ImageInfo::name).containsExactly("base.raw", "linked.qcow2");
        assertThat(client.imageInfo("", "base.raw")).isEqualTo(base);
        assertThat(client.importImage("", "base.raw", "raw").recorded()).isTrue();
        client.createImage("/srv/pool a", "other.qcow2", "qcow2", 1 << 20);
        assertThat(client.listImages("/srv/pool a")).extracting(ImageInfo::name).containsExactly("other.qcow2");
        client.deleteImage("/srv/pool a", "other.qcow2");
        assertThat(api.fake.calls()).contains("deleteImage /srv/pool a other.qcow2", "importImage  base.raw raw");
    }
}
