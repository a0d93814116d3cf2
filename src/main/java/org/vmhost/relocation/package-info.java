/**
 * The relocation link between two xends (xend's port 8002): a TLS listener that takes migrations in, and the
 * client a source xend uses to reach it. The destination authenticates the source by an administrator's token
 * of its own and by its {@code relocation_hosts_allow} list; the source authenticates the destination by the
 * SHA-256 fingerprint of its certificate, pinned on the command line. Each connection starts with one JSON line
 * each way; a stream connection then carries raw bytes between a QEMU's UNIX socket on either side. This package
 * knows no domain: the destination's work is a {@link RelocationServer.Handler}.
 */
package org.vmhost.relocation;
