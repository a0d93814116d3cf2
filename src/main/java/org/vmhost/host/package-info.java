/**
 * Running host commands (ip, nft, qemu-img, dnsmasq...): the one way vmhost does it. An argument vector,
 * never a shell; output read while the command runs, so that its time limit really fires; the command and
 * its last lines of output in every error. A leaf package: it depends only on {@code error}.
 */
package org.vmhost.host;
