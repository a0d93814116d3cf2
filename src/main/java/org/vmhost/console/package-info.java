/**
 * Guest consoles: xend holds the one connection QEMU's serial socket allows and fans it out to any
 * number of clients ({@code xm console}, the browser), each of which first gets the recent history.
 */
package org.vmhost.console;
