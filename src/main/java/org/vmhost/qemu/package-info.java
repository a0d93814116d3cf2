/**
 * QEMU as the device model: the command line built from a domain's configuration, the supervised
 * process, and the accelerator probe. Knows configurations, never the lifecycle's state.
 *
 * <p>{@link org.vmhost.qemu.QemuLauncher} (start, attach, kill) and {@link org.vmhost.qemu.Qemu} (one running
 * QEMU) are the domain service's only way to processes: {@link org.vmhost.qemu.QemuLauncher#HOST} runs real
 * ones, tests script a fake on the fake QMP server. QEMU's vocabulary (option spellings, QMP command names,
 * device and node ids such as {@code drive-<vdev>}) is spelled in this package only.
 */
package org.vmhost.qemu;
