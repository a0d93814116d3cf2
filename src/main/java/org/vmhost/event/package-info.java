/**
 * The entries of xend's event log: {@link org.vmhost.event.DomainEvent}, a sealed interface whose records are
 * the families of what can happen (lifecycle, devices, images, networks, and kinds another version wrote),
 * written by the domain service and the store, read by {@code xm log} and the API. A leaf beside
 * {@code error}: no package cycle runs through it.
 */
package org.vmhost.event;
