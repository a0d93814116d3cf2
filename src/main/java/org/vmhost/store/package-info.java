/**
 * xend's embedded database: one SQLite file under the daemon's root holding managed and transient
 * domain definitions ({@link org.vmhost.store.DomainDefinition}), the runtime status of running domains
 * ({@link org.vmhost.store.DomainStatus}), the domain id counter and the event log.
 *
 * <p>{@link org.vmhost.store.Store} is the whole surface. Each write is committed, and synced to disk,
 * before the method returns; several writes that must land together go through
 * {@link org.vmhost.store.Store#transaction} and its {@link org.vmhost.store.Tx}. The schema migrates
 * itself on open and refuses a database written by a newer vmhost. The daemon opens it once;
 * {@code api}, {@code cli} and {@code web} never import it.
 * Tables, migrations and the durability choices are described in {@code docs/store.md}.
 */
package org.vmhost.store;
