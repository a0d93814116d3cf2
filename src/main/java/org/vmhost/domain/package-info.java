/**
 * Domains: the runtime object, the state table, and the one service every front end calls.
 * {@link org.vmhost.domain.DomainService} is vmhost's whole API; REST, xm, the web GUI and XenAPI are
 * adapters over it.
 *
 * <p>{@link org.vmhost.domain.LocalDomainService} is xend's implementation. It keeps the registry and the
 * recipe (find the domain, take its job, check the transition table, act, save, answer) and hands each job
 * to a package-private part: {@code Launch} (a start, all or nothing), {@code Teardown} (a domain's end),
 * {@code EventPolicy} (QEMU's events and exit: on_poweroff, on_reboot, on_crash), {@code Queries} (list and
 * info, from snapshots), {@code Recovery} (xend's start-up), and the hot-plug and image parts. It reaches
 * QEMU only through {@link org.vmhost.qemu.QemuLauncher} and its state only through the store, so its unit
 * tests run the whole lifecycle against a scripted QEMU.
 *
 * <p>Reads are snapshots: each domain publishes an immutable {@code DomainSnapshot} on every change, and
 * list and info read only that. Locking rules are in {@code docs/design.md}.
 */
package org.vmhost.domain;
