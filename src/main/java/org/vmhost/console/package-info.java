/**
 * Guest consoles: xend holds the one connection QEMU's serial socket allows and fans it out to any
 * number of clients ({@code xm console}, the browser), each of which first gets the recent history. A client
 * that stops reading is dropped rather than allowed to hold up the guest; the log QEMU writes is kept below a
 * limit by copy-and-truncate rotation ({@link org.vmhost.console.ConsoleLog}).
 */
package org.vmhost.console;
