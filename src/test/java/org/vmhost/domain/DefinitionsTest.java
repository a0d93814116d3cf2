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
import org.vmhost.store.DomainDefinition;

/** Editing a managed domain's definition as text, and deleting a domain with its images. */
class DefinitionsTest {
    @TempDir
    Path dir;
    ServiceFixture xend;

    @BeforeEach
    void open() throws Exception {
        xend = new ServiceFixture(dir);
    }

    @AfterEach
    void close() {
        xend.close();
    }

    private String stored(String name) {
        return xend.store.definitions().stream().filter(d -> d.name().equals(name)).map(DomainDefinition::configText)
                .findFirst().orElseThrow();
    }

    private DomainRequest edit(String name, String text) {
        return new DomainRequest(name + ".cfg", text, List.of());
    }

    @Test
    void anEditOfAShutOffDomainIsItsDefinitionAtOnceCommentsAndAll() {
        xend.service.define(xend.request("m"));
        String text = xend.service.configText("m").configText().replace("memory = 64", "# more room\nmemory = 96");

        ConfigTextInfo after = xend.service.redefine("m", edit("m", text));

        assertThat(after.nextBoot()).isFalse();
        assertThat(after.configText()).contains("# more room\nmemory = 96");
        assertThat(xend.service.get("m").memory()).isEqualTo(96);
        assertThat(stored("m")).contains("memory = 96");
        assertThat(xend.eventKinds("m")).contains("redefined");
    }

    @Test
    void aTextThatDoesNotReadIsRefusedAtItsLineAndTheOldDefinitionStays() {
        xend.service.define(xend.request("m"));
        String before = stored("m");

        assertThatThrownBy(() -> xend.service.redefine("m", edit("m", xend.config("m") + "vcpus = lots\n")))
                .isInstanceOf(VmhostException.class).hasMessageStartingWith("m.cfg:6:9: ")
                .satisfies(e -> assertThat(((VmhostException) e).code()).isEqualTo(ErrorCode.INVALID_CONFIG));
        assertThatThrownBy(() -> xend.service.redefine("m", edit("m", xend.config("m").replace("\"m\"", "\"other\""))))
                .hasMessage("m.cfg:1: name: 'other' is not this domain's name 'm'; rename the domain instead");

        assertThat(stored("m")).isEqualTo(before);
        assertThat(xend.service.get("m").memory()).isEqualTo(64);
    }

    @Test
    void theHardwareFormsOverridesEditTheStoredTextInPlaceAndKeepItsComments() {
        xend.service.define(xend.request("m", "# the build server, ask Anna before changing it"));
        String text = xend.service.configText("m").configText().replace("memory = 64", "memory = 64 # measured: 60 used");
        xend.service.redefine("m", edit("m", text));

        xend.service.redefine("m", new DomainRequest("m.cfg", xend.service.configText("m").configText(),
                List.of("memory=80", "vcpus=2")));

        assertThat(stored("m")).contains("# the build server, ask Anna before changing it")
                .isEqualTo(text.replace("memory = 64", "memory = 80") + "vcpus = 2\n");
        assertThat(xend.service.get("m").memory()).isEqualTo(80);
        assertThat(xend.service.get("m").vcpus()).isEqualTo(2);
    }

    @Test
    void aDiskAttachedOrDetachedOnAShutOffDomainKeepsTheTextsComments() throws Exception {
        java.nio.file.Path image = java.nio.file.Files.createTempFile("defs", ".img");
        try {
            xend.service.define(xend.request("m", "# the build server, ask Anna before changing it"));
            String before = stored("m");

            xend.service.attachBlockDevice("m", new BlockDeviceRequest("file:" + image, "xvdb", "w"));
            assertThat(stored("m")).startsWith(before.strip()).contains("# the build server").contains("xvdb");
            assertThat(xend.service.listBlockDevices("m")).extracting(BlockDeviceInfo::vdev).contains("xvdb");

            xend.service.detachBlockDevice("m", "xvdb", false);
            assertThat(stored("m")).contains("# the build server").doesNotContain("xvdb");
        } finally {
            java.nio.file.Files.deleteIfExists(image);
        }
    }

    @Test
    void aMaskedPasswordKeepsItsStoredValueAndATypedOneReplacesIt() {
        xend.service.define(xend.request("m", "vfb = [ 'vnc=1,vncpasswd=s3cret' ]"));
        String shown = xend.service.configText("m").configText();
        assertThat(shown).contains("vncpasswd=XXXXXXXX").doesNotContain("s3cret");

        xend.service.redefine("m", edit("m", shown.replace("memory = 64", "memory = 80")));
        assertThat(stored("m")).contains("vncpasswd=s3cret").contains("memory = 80").doesNotContain("XXXXXXXX");

        xend.service.redefine("m", edit("m", shown.replace("XXXXXXXX", "n3wer")));
        assertThat(stored("m")).contains("vncpasswd=n3wer").doesNotContain("s3cret");

        // Through the hardware editor's overrides too: a mask given as an override keeps the stored password.
        xend.service.redefine("m", new DomainRequest("m.cfg", xend.service.configText("m").configText(),
                List.of("vfb=['vnc=1,vncpasswd=XXXXXXXX,vnclisten=127.0.0.1']", "vcpus=2")));
        assertThat(stored("m")).contains("vncpasswd=n3wer").doesNotContain("XXXXXXXX");
        assertThat(xend.service.get("m").vcpus()).isEqualTo(2);
    }

    @Test
    void aRunningDomainKeepsRunningAsStartedAndBootsWithTheEditNext() {
        xend.service.define(xend.request("m"));
        xend.service.start("m", false);
        String text = xend.service.configText("m").configText();

        ConfigTextInfo after = xend.service.redefine("m", edit("m", text.replace("memory = 64", "memory = 128")));

        assertThat(after.nextBoot()).isTrue();
        assertThat(after.runningText()).contains("memory = 64");
        assertThat(xend.service.get("m").memory()).isEqualTo(64);
        assertThat(xend.service.get("m").state()).isEqualTo(DomainState.RUNNING);
        assertThat(stored("m")).contains("memory = 128");
        assertThat(xend.events("m")).contains("it applies at the next boot");

        xend.service.destroy("m");

        assertThat(xend.service.get("m").memory()).isEqualTo(128);
        assertThat(xend.service.configText("m").nextBoot()).isFalse();
    }

    @Test
    void anEditWaitingForTheNextBootStillWaitsAfterXendRestarts() {
        xend.service.define(xend.request("m"));
        xend.service.start("m", false);
        xend.service.redefine("m", edit("m", xend.config("m").replace("memory = 64", "memory = 128")));

        xend.restartXend();

        assertThat(xend.state("m")).isEqualTo(DomainState.RUNNING);
        assertThat(xend.service.get("m").memory()).isEqualTo(64);
        ConfigTextInfo text = xend.service.configText("m");
        assertThat(text.nextBoot()).isTrue();
        assertThat(text.configText()).contains("memory = 128");
        xend.service.destroy("m");
        assertThat(xend.service.get("m").memory()).isEqualTo(128);
    }

    @Test
    void aTransientDomainHasNoDefinitionToEdit() {
        xend.service.create(xend.request("t"), false);

        assertThatThrownBy(() -> xend.service.redefine("t", edit("t", xend.config("t"))))
                .hasMessageContaining("only a managed domain (xm new) keeps an edited configuration");
    }

    @Test
    void aDomainIsDeletedWithTheImagesOfItsPoolsAndRefusedWholeForADiskOutsideThem() throws Exception {
        Path image = Path.of(xend.service.createImage("", "m-disk.raw", "raw", 1 << 20).path());
        Path outside = Files.write(dir.resolve("outside.raw"), new byte[512]);
        xend.service.define(xend.request("m", "disk = [ 'file:" + image + ",xvda,w', 'file:" + outside + ",xvdb,w' ]"));

        assertThatThrownBy(() -> xend.service.delete("m", true)).isInstanceOf(VmhostException.class)
                .hasMessageContaining("disk xvdb: " + outside + " is not in one of xend's storage pools");
        assertThat(xend.listed("m")).isTrue();
        assertThat(image).exists();

        Path base = Path.of(xend.service.createImage("", "base.raw", "raw", 1 << 20).path());
        xend.service.redefine("m", edit("m", xend.config("m", "disk = [ 'file:" + image + ",xvda,w', 'file:" + base + ",xvdb,r' ]")));
        xend.service.delete("m", true);

        assertThat(xend.listed("m")).isFalse();
        assertThat(image).doesNotExist();
        assertThat(base).as("a disk it only read").exists();
        assertThat(outside).exists();
    }

    @Test
    void anImageAnotherDomainAlsoHasOrALinkedCloneReadsFromStaysAndSoDoesTheDomain() {
        Path base = Path.of(xend.service.createImage("", "base.qcow2", "qcow2", 1 << 20).path());
        Path clone = Path.of(xend.service.cloneImage("", "base.qcow2", "clone.qcow2", true).path());
        xend.service.define(xend.request("a", "disk = [ 'tap:qcow2:" + base + ",xvda,w' ]"));
        xend.service.define(xend.request("b", "disk = [ 'tap:qcow2:" + clone + ",xvda,w' ]"));
        xend.service.define(xend.request("c", "disk = [ 'tap:qcow2:" + clone + ",xvda,r' ]"));

        assertThatThrownBy(() -> xend.service.delete("a", true)).hasMessageContaining("backing image of linked clone clone.qcow2");
        assertThatThrownBy(() -> xend.service.delete("b", true)).hasMessageContaining("is also disk xvda of domain 'c'");

        assertThat(xend.listed("a")).isTrue();
        assertThat(xend.listed("b")).isTrue();
        assertThat(base).exists();
        assertThat(clone).exists();
    }
}
