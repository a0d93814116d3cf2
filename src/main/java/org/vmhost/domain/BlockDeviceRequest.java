package org.vmhost.domain;

import org.vmhost.error.VmhostException;
import org.vmhost.error.ErrorCode;
import java.util.Objects;

/**
 * A disk to attach, or a medium to put into a CD-ROM drive, as {@code xm block-attach} and
 * {@code xm block-configure} take it.
 *
 * @param backend {@code file:/img/a.raw}, {@code tap:qcow2:/img/a.qcow2}, {@code phy:/dev/vg/lv} …; empty to eject
 *                a CD-ROM's medium
 * @param vdev    the guest's name ({@code xvdb}, {@code sdc}, {@code hdc:cdrom})
 * @param mode    r, w or w!
 */
public record BlockDeviceRequest(String backend, String vdev, String mode) {
    public BlockDeviceRequest {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(vdev, "vdev");
        Objects.requireNonNull(mode, "mode");
    }

    /**
     * The disk specification this stands for, in the configuration language. A backend with a comma would be
     * read as more than one field, so it is refused rather than guessed at.
     */
    String spec() {
        for (String field : new String[] {backend, vdev, mode}) {
            if (field.indexOf(',') >= 0 || field.indexOf('\n') >= 0) {
                throw new VmhostException(ErrorCode.BAD_REQUEST, "'" + field + "' has a comma or a line break, which a "
                        + "disk's backend, vdev and mode cannot hold");
            }
        }
        return backend + "," + vdev + "," + mode;
    }
}
