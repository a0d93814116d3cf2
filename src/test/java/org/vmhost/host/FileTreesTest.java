package org.vmhost.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
    @TempDir
    Path tmp;

    @Test
    void aTreeIsRemovedWholeAndALinkInItIsRemovedNotFollowed() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("etc"));
        Path victim = Files.writeString(outside.resolve("shadow"), "root's\n");
        Path tree = Files.createDirectories(tmp.resolve("run/a/b"));
        Files.writeString(tree.resolve("f"), "x");
        Files.createSymbolicLink(tmp.resolve("run/a/link"), outside);
        Files.createSymbolicLink(tmp.resolve("run/file-link"), victim);

        FileTrees.delete(tmp.resolve("run"));

        assertThat(tmp.resolve("run")).doesNotExist();
        assertThat(victim).exists().hasContent("root's");
    }

    @Test
    void aTreeWhoseRootIsALinkLosesTheLinkAndNotWhatItNames() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("etc"));
        Path victim = Files.writeString(outside.resolve("shadow"), "root's\n");
        Path link = Files.createSymbolicLink(tmp.resolve("run"), outside);

        FileTrees.delete(link);

        assertThat(link).doesNotExist();
        assertThat(victim).exists().hasContent("root's");
    }

    @Test
    void whatIsGoneAlreadyIsFine() throws IOException {
        FileTrees.delete(tmp.resolve("none"));
        Path link = Files.createSymbolicLink(tmp.resolve("dangling"), tmp.resolve("nowhere"));
        FileTrees.delete(link);
        assertThat(link).doesNotExist();
    }
}
