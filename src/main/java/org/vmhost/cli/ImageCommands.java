package org.vmhost.cli;

import java.util.List;
import java.util.Locale;
import org.vmhost.domain.DomainService;
import org.vmhost.storage.ImageInfo;
import org.vmhost.storage.ImagePool;
import org.vmhost.storage.StorageException;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The image commands: {@code xm image-create}, {@code image-clone}, {@code image-import}, {@code image-resize},
 * {@code image-info}, {@code image-list} and {@code image-delete}, on a storage pool that is a directory (xend's own,
 * {@code $VMHOST_HOME/images}, unless {@code -p DIR} names one that xend.conf lists in {@code image_pools}).
 */
final class ImageCommands {
    private ImageCommands() {
    }

    /** What every image command shares: the pool option. */
    abstract static class PoolCommand extends DaemonCommand {
        @Option(names = {"-p", "--pool"}, paramLabel = "DIR",
                description = "The storage pool: xend's $VMHOST_HOME/images (the default) or a directory xend.conf names in image_pools.")
        String pool = "";

        PoolCommand(XmContext context) {
            super(context);
        }

        static long size(String text) {
            try {
                return ImagePool.parseSize(text);
            } catch (StorageException e) {
                throw new VmhostException(ErrorCode.BAD_REQUEST, e.getMessage());
            }
        }

        void show(ImageInfo i) {
            context.out().printf(Locale.ROOT, "%s: %s, %s virtual, %s on disk%s%n", i.path(), format(i), human(i.virtualSize()),
                    human(i.actualSize()), i.backingFile().map(b -> ", backed by " + b).orElse(""));
        }

        /** The format, marked when the pool has no record of it (it is then taken as raw, never probed). */
        static String format(ImageInfo i) {
            return i.recorded() ? i.format() : i.format() + " (unrecorded)";
        }
    }

    @Command(name = "image-create", description = {"Make a new, empty disk image in a storage pool.",
            "raw images are sparse (they take space as the guest writes); qcow2 ones grow likewise and can be cloned linked."})
    static final class Create extends PoolCommand {
        @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", description = "raw (the default) or qcow2.")
        String format = "raw";

        @Parameters(index = "0", paramLabel = "NAME", description = "The image's file name, e.g. web1.qcow2.")
        String name;

        @Parameters(index = "1", paramLabel = "SIZE", description = "Bytes, or with K, M, G, T: 512M, 8G.")
        String size;

        Create(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            show(xend.createImage(pool, name, format, size(size)));
            return 0;
        }
    }

    @Command(name = "image-clone", description = {"Copy a disk image in a storage pool.",
            "A full copy is independent; --linked makes a qcow2 that reads what it has not written from SOURCE, "
                    + "which must then not change, and cannot be deleted while the clone exists."})
    static final class Clone extends PoolCommand {
        @Option(names = {"-l", "--linked"}, description = "A linked clone through a qcow2 backing file, rather than a full copy.")
        boolean linked;

        @Parameters(index = "0", paramLabel = "SOURCE", description = "The image to copy, in the same pool.")
        String source;

        @Parameters(index = "1", paramLabel = "NAME", description = "The new image's file name.")
        String name;

        Clone(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            show(xend.cloneImage(pool, source, name, linked));
            return 0;
        }
    }

    @Command(name = "image-import", description = {"Record the format of an image file put into a storage pool by hand.",
            "Until it is imported the pool takes it as raw and never reads a header in it; a qcow2 one must keep its "
                    + "backing chain inside the pool."})
    static final class Import extends PoolCommand {
        @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", required = true, description = "raw or qcow2: what the image is.")
        String format;

        @Parameters(index = "0", paramLabel = "NAME", description = "The image's file name in the pool.")
        String name;

        Import(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            show(xend.importImage(pool, name, format));
            return 0;
        }
    }

    @Command(name = "image-resize", description = {"Change a disk image's size.",
            "An image a running domain has open grows at once and the guest sees it; shrinking needs --shrink and a "
                    + "domain that is off."})
    static final class Resize extends PoolCommand {
        @Option(names = "--shrink", description = "Allow a smaller size; what lies beyond it is lost.")
        boolean shrink;

        @Parameters(index = "0", paramLabel = "NAME", description = "The image.")
        String name;

        @Parameters(index = "1", paramLabel = "SIZE", description = "The new size: bytes, or with K, M, G, T.")
        String size;

        Resize(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            show(xend.resizeImage(pool, name, size(size), shrink));
            return 0;
        }
    }

    @Command(name = "image-info", description = {"Show a disk image's format, sizes and backing file.",
            "The format is the pool's record of it; an image without one is raw (unrecorded): see image-import."})
    static final class Info extends PoolCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The image.")
        String name;

        Info(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            ImageInfo i = xend.imageInfo(pool, name);
            context.out().printf(Locale.ROOT, "image:        %s%nformat:       %s%nvirtual size: %s (%d bytes)%n"
                    + "disk size:    %s%nbacking file: %s%n", i.path(), format(i), human(i.virtualSize()), i.virtualSize(),
                    human(i.actualSize()), i.backingFile().orElse("none"));
            return 0;
        }
    }

    @Command(name = "image-list", description = {"List the disk images of a storage pool.",
            "Format is the pool's record; 'raw?' marks an image found without one, taken as raw (see image-import)."})
    static final class ListImages extends PoolCommand {
        ListImages(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            List<ImageInfo> images = xend.listImages(pool);
            context.out().printf("%-32s %-6s %10s %10s %s%n", "Name", "Format", "Virtual", "Disk", "Backing file");
            for (ImageInfo i : images) {
                context.out().printf(Locale.ROOT, "%-32s %-6s %10s %10s %s%n", i.name(), i.recorded() ? i.format() : i.format() + "?",
                        human(i.virtualSize()),
                        human(i.actualSize()), i.backingFile().orElse("-"));
            }
            if (images.stream().anyMatch(i -> !i.recorded())) {
                context.out().println("raw?: the pool has no record of this image's format, so it is read as raw and never probed; "
                        + "xm image-import -f FORMAT NAME records it");
            }
            return 0;
        }
    }

    @Command(name = "image-delete", description = "Delete a disk image; refused while a running domain has it or a linked clone reads from it.")
    static final class Delete extends PoolCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The image.")
        String name;

        Delete(XmContext context) {
            super(context);
        }

        @Override
        int run(DomainService xend) {
            xend.deleteImage(pool, name);
            return 0;
        }
    }

    /** Sizes as qemu-img shows them: 64 MiB, 1.5 GiB, 4 KiB. */
    static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return (v == Math.rint(v) ? String.format(Locale.ROOT, "%d", (long) v) : String.format(Locale.ROOT, "%.1f", v)) + " " + units[u];
    }
}
