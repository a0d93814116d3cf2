/**
 * The xm/xl domain configuration language and the typed model of a domain configuration.
 *
 * <p>Pure: no knowledge of QEMU and no I/O beyond reading a file's text (and
 * {@link org.vmhost.config.LoadedConfig#missingFiles()}, which a dry run calls on purpose). It depends on nothing
 * else in vmhost. Three layers, one way in:
 * <ol>
 *   <li>{@link org.vmhost.config.ConfigReader}: text to {@link org.vmhost.config.RawConfig}, xl's grammar as
 *       libxlutil reads it (the reference for what is accepted), with {@link org.vmhost.config.ConfigSyntaxException}
 *       at {@code file:line:col}, and a clear word when a file is the Python that xm executed.</li>
 *   <li>Binding: raw settings to {@link org.vmhost.config.DomainConfig} with xm's defaults; the device specs
 *       ({@link org.vmhost.config.DiskSpec}, {@link org.vmhost.config.VifSpec}, {@link org.vmhost.config.VfbSpec});
 *       {@link org.vmhost.config.ConfigValueException} naming the key and line; one
 *       {@link org.vmhost.config.ConfigWarning} per key vmhost does not act on.</li>
 *   <li>Writers: {@link org.vmhost.config.ConfigWriter} (xm text that reads back to the same model) and
 *       {@link org.vmhost.config.SxpWriter} (SXP as {@code xm list -l} prints it).</li>
 * </ol>
 * {@link org.vmhost.config.ConfigLoader} is the way in: a file or text plus command-line {@code key=value}
 * overrides, to a {@link org.vmhost.config.LoadedConfig}.
 */
package org.vmhost.config;
