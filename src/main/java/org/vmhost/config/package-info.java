/**
 * The xm/xl domain configuration language and the typed model of a domain configuration.
 *
 * <p>Pure: no I/O beyond reading a file's text, no knowledge of QEMU. {@link org.vmhost.config.DomainConfig}
 * is what the user wrote, with xm's defaults filled in; the reader, the text writer and the SXP writer
 * all live here so that one place decides what a configuration means.
 */
package org.vmhost.config;
