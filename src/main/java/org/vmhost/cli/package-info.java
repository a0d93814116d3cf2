/**
 * {@code xm}, the command-line tool: one command table ({@link org.vmhost.cli.XmMain.Commands#ALL}) drives dispatch
 * and help, one class per subcommand. Failures are one line, {@code Error: …}, on standard error with a non-zero
 * exit status; warnings are {@code Warning: file:line: …} lines.
 *
 * <p>A thin adapter: it parses arguments, calls one method, prints the result. It never imports {@code qemu}
 * or {@code store}.
 */
package org.vmhost.cli;
