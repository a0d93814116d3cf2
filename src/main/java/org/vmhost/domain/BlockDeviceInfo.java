package org.vmhost.domain;

import java.util.Objects;

/**
 * One virtual disk of a domain, as {@code xm block-list} shows it.
 *
 * @param devid       Xen's device number ({@code xvda} 51712, {@code hda} 768, {@code sda} 2048): the Vdev column
 * @param vdev        the guest's name for it
 * @param uname       xend's name of its backend ({@code file:/img/a.raw}, {@code tap:qcow2:…}, {@code phy:/dev/…});
 *                    empty for an empty CD-ROM drive
 * @param mode        r, w or w!
 * @param deviceType  {@code disk} or {@code cdrom}
 * @param state       Xen's xenbus state: 4 (connected) while the domain runs, 1 (initialising) while it is off
 * @param backendPath where Xen kept the backend's details ({@code /local/domain/0/backend/vbd/DOMID/DEVID})
 */
public record BlockDeviceInfo(int devid, String vdev, String uname, String mode, String deviceType, int state,
                              String backendPath) {
    public static final int CONNECTED = 4;
    public static final int INITIALISING = 1;

    public BlockDeviceInfo {
        Objects.requireNonNull(vdev, "vdev");
        Objects.requireNonNull(uname, "uname");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(deviceType, "deviceType");
        Objects.requireNonNull(backendPath, "backendPath");
    }
}
