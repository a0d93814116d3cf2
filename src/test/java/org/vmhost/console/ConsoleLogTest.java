package org.vmhost.console;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleLogTest {
    static final long LIMIT = ConsoleLog.MIN_LIMIT;

    @TempDir
    Path dir;

    @Test
    void aLogBelowItsLimitIsLeftAlone() throws Exception {
        ConsoleLog log = new ConsoleLog(dir.resolve("c.log"), LIMIT);
        Files.writeString(log.file(), "x".repeat((int) LIMIT));
        assertThat(log.rotateIfFull()).isFalse();
        assertThat(Files.size(log.file())).isEqualTo(LIMIT);
        assertThat(log.previous()).doesNotExist();
    }

    @Test
    void aFullLogMovesToItsPreviousGenerationAndStartsEmptyBothOwnerOnly() throws Exception {
        ConsoleLog log = new ConsoleLog(dir.resolve("c.log"), LIMIT);
        log.createPrivately();
        Files.writeString(log.previous(), "the oldest generation goes\n");
        Files.writeString(log.file(), "a".repeat((int) LIMIT) + "last line\n", StandardOpenOption.APPEND);
        assertThat(log.rotateIfFull()).isTrue();
        assertThat(Files.size(log.file())).isZero();
        assertThat(Files.readString(log.previous(), US_ASCII)).startsWith("aaa").endsWith("last line\n").hasSize((int) LIMIT + 10);
        assertThat(Files.getPosixFilePermissions(log.file())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(log.previous())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(dir.resolve("c.log.2")).doesNotExist();
    }

    @Test
    void aWriterThatAppendsKeepsWritingAtTheNewEndAfterARotation() throws Exception {
        ConsoleLog log = new ConsoleLog(dir.resolve("c.log"), LIMIT);
        log.createPrivately();
        // QEMU opens its logfile O_APPEND (logappend=on) and keeps it open: after the cut its next write
        // must land at offset 0, not leave a hole as long as the old content.
        try (FileChannel qemu = FileChannel.open(log.file(), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            qemu.write(ByteBuffer.wrap("b".repeat((int) LIMIT + 1).getBytes(US_ASCII)));
            assertThat(log.rotateIfFull()).isTrue();
            qemu.write(ByteBuffer.wrap("after\n".getBytes(US_ASCII)));
        }
        assertThat(Files.readString(log.file(), US_ASCII)).isEqualTo("after\n");
    }

    @Test
    void theTailReachesIntoThePreviousGeneration() throws Exception {
        ConsoleLog log = new ConsoleLog(dir.resolve("c.log"), LIMIT);
        Files.writeString(log.previous(), "0123456789");
        Files.writeString(log.file(), "abc");
        assertThat(new String(log.tail(8), US_ASCII)).isEqualTo("56789abc");
        assertThat(new String(log.tail(2), US_ASCII)).isEqualTo("bc");
        assertThat(new String(log.tail(100), US_ASCII)).isEqualTo("0123456789abc");
        assertThat(new ConsoleLog(dir.resolve("none.log"), LIMIT).tail(10)).isEmpty();
    }

    @Test
    void aLimitTooSmallForTheHistoryIsRefused() {
        assertThatThrownBy(() -> new ConsoleLog(dir.resolve("c.log"), 1000)).isInstanceOf(IllegalArgumentException.class);
    }
}
