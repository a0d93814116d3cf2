/**
 * QEMU as the device model: the command line built from a domain's configuration, the supervised
 * process, and the accelerator probe. Knows configurations, never the lifecycle's state.
 */
package org.vmhost.qemu;
