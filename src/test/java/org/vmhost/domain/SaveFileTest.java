package org.vmhost.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

class SaveFileTest {
    static final String QEMU = "QEMU emulator version 7.2.22";

    @TempDir
    Path dir;

    byte[] stream = new byte[300_000];

    Path write(String name, String qemu) throws IOException {
        new Random(7).nextBytes(stream);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SaveFile.writeHeader(out, new SaveFile.Header(SaveFile.FORMAT, qemu, "web1", "0e0c4b4e-6f31-4bb4-8f34-2a6f1d3c0a11",
                "name = \"web1\"\nmemory = 128\n", Instant.parse("2026-12-02T20:00:00Z")));
        SaveFile.Digesting d = SaveFile.digesting(out);
        d.write(stream, 0, stream.length);
        SaveFile.writeTrailer(out, d.count(), d.digest());
        Path f = dir.resolve(name);
        Files.write(f, out.toByteArray());
        return f;
    }

    static VmhostException refusal(Path f) {
        try {
            SaveFile.check(f, QEMU);
        } catch (VmhostException e) {
            return e;
        }
        throw new AssertionError("accepted " + f);
    }

    @Test
    void aWholeFileIsReadBackWithItsHeaderAndExactlyItsStream() throws IOException {
        SaveFile.Checked c = SaveFile.check(write("good.save", QEMU), QEMU);
        assertThat(c.header().name()).isEqualTo("web1");
        assertThat(c.header().config()).contains("memory = 128");
        assertThat(c.streamLength()).isEqualTo(stream.length);
        try (InputStream in = SaveFile.openStream(c)) {
            assertThat(in.readAllBytes()).isEqualTo(stream);
        }
    }

    @Test
    void aFileThatIsNotASaveFileIsRefused() throws IOException {
        Path f = Files.writeString(dir.resolve("web1.cfg"), "name = \"web1\"\n");
        VmhostException e = refusal(f);
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(e.getMessage()).contains("web1.cfg", "not a vmhost save file");
    }

    @Test
    void everyTruncationIsRefused() throws IOException {
        byte[] whole = Files.readAllBytes(write("good.save", QEMU));
        for (int len : new int[] {0, 5, 10, 40, whole.length / 2, whole.length - 1}) {
            Path f = Files.write(dir.resolve("cut" + len), Arrays.copyOf(whole, len));
            assertThat(refusal(f).getMessage()).as("cut at " + len).contains("truncated");
        }
    }

    @Test
    void aChangedByteInTheStreamIsRefusedAsDamaged() throws IOException {
        byte[] whole = Files.readAllBytes(write("good.save", QEMU));
        whole[whole.length - SaveFile.TRAILER - 1000] ^= 1;
        Path f = Files.write(dir.resolve("damaged.save"), whole);
        assertThat(refusal(f).getMessage()).contains("damaged", "SHA-256");
    }

    @Test
    void aFileFromAnotherQemuIsRefusedNamingBothVersions() throws IOException {
        Path f = write("old.save", "QEMU emulator version 6.2.0");
        assertThat(refusal(f).getMessage()).contains("another QEMU", "6.2.0", "7.2.22");
    }

    @Test
    void aMissingFileIsRefused() {
        assertThat(refusal(dir.resolve("nothing.save")).getMessage()).contains("no such file");
    }

    @Test
    void aHeaderThatIsNotJsonIsRefused() throws IOException {
        byte[] whole = Files.readAllBytes(write("good.save", QEMU));
        whole[12] = 'x'; // the header's first byte, '{'
        Path f = Files.write(dir.resolve("header.save"), whole);
        assertThatThrownBy(() -> SaveFile.check(f, QEMU)).hasMessageContaining("header");
    }

    @Test
    void onlyASaveFileMayBeReplacedByANewSave() throws IOException {
        assertThat(SaveFile.looksLikeOne(write("good.save", QEMU))).isTrue();
        assertThat(SaveFile.looksLikeOne(Files.writeString(dir.resolve("notes.txt"), "keep me"))).isFalse();
        assertThat(SaveFile.looksLikeOne(Files.createSymbolicLink(dir.resolve("link.save"), dir.resolve("good.save")))).isFalse();
        assertThat(SaveFile.looksLikeOne(dir)).isFalse();
    }
}
