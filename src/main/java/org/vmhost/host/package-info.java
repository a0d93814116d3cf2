/**
 * Running host commands (ip, nft, qemu-img, dnsmasq...): the one way vmhost does it. An argument vector,
 * never a shell; output read while the command runs, so that its time limit really fires; the command and
 * its last lines of output in every error. Also root's rules for host paths others may write: whether a path holds
 * still between a check and its use ({@link org.vmhost.host.TrustedPaths}), and removing a tree without following
 * links ({@link org.vmhost.host.FileTrees}). A leaf package: it depends only on {@code error}.
 */
package org.vmhost.host;
