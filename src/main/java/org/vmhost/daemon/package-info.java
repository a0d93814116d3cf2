/**
 * xend's wiring and start-up order: the only place that constructs services. Also the
 * {@code xend start|stop|restart|status} command.
 */
package org.vmhost.daemon;
