package org.vmhost.host;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.util.ArrayList;
import java.util.List;

/**
 * Removing a directory tree as root when others may write inside it (QEMU's user, in a run or migration
 * directory): every entry is removed through its parent's open descriptor and no link is followed, so that a
 * directory swapped for a link to /etc while the walk runs makes it fail, not delete /etc's files.
 */
public final class FileTrees {
    private static final System.Logger LOG = System.getLogger(FileTrees.class.getName());

    private FileTrees() {
    }

    /**
     * Removes {@code dir} and all it holds; a link is removed itself, never followed (the tree's root included); what
     * is gone already is fine.
     */
    public static void delete(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        Path parent = absolute.getParent();
        if (parent == null || !Files.isDirectory(absolute, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(absolute);
            return;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(parent)) {
            if (!(stream instanceof SecureDirectoryStream<Path> secure)) {
                throw new IOException("this file system cannot remove " + dir + " without following links");
            }
            deleteDirectory(secure, absolute.getFileName());
        }
    }

    /** As {@link #delete}, logging a failure rather than throwing it (a clean-up that must go on). */
    public static void deleteOrLog(Path dir) {
        try {
            delete(dir);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove " + dir + ": " + e);
        }
    }

    /** Removes the directory {@code name} of {@code parent} and what it holds, each through its parent's descriptor. */
    private static void deleteDirectory(SecureDirectoryStream<Path> parent, Path name) throws IOException {
        try (SecureDirectoryStream<Path> dir = parent.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
            List<Path> names = new ArrayList<>();
            for (Path entry : dir) names.add(entry.getFileName());
            for (Path entry : names) {
                try {
                    boolean isDir = dir.getFileAttributeView(entry, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                            .readAttributes().isDirectory();
                    if (isDir) {
                        deleteDirectory(dir, entry);
                    } else {
                        dir.deleteFile(entry);
                    }
                } catch (NoSuchFileException e) {
                    // gone meanwhile
                }
            }
        } catch (NoSuchFileException e) {
            return;
        }
        parent.deleteDirectory(name);
    }
}
