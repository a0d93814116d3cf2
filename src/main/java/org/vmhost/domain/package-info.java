/**
 * Domains: the runtime object, the state table, the one service every front end calls, and the
 * typed errors it reports. {@link org.vmhost.domain.DomainService} is vmhost's whole API; REST, xm,
 * the web GUI and XenAPI are adapters over it.
 */
package org.vmhost.domain;
