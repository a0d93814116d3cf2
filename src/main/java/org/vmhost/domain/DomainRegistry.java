package org.vmhost.domain;

import org.vmhost.error.VmhostException;
import org.vmhost.error.ErrorCode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every domain xend knows, found by name, id or UUID. Names are unique: adding and renaming check that
 * under the registry's lock, which is only ever held for these map updates, never across I/O.
 */
final class DomainRegistry {
    private final Map<String, Domain> byUuid = new ConcurrentHashMap<>();
    /** Told of every domain added or removed and of every state change: wakes the web GUI's event stream. */
    private final Runnable changed;

    DomainRegistry() {
        this(() -> { });
    }

    DomainRegistry(Runnable changed) {
        this.changed = changed;
    }

    synchronized void add(Domain domain) {
        if (findByName(domain.name()).isPresent()) {
            throw new VmhostException(ErrorCode.DOMAIN_EXISTS, "domain '" + domain.name() + "' already exists");
        }
        if (byUuid.containsKey(domain.uuid)) {
            throw new VmhostException(ErrorCode.DOMAIN_EXISTS, "a domain with UUID " + domain.uuid + " already exists");
        }
        byUuid.put(domain.uuid, domain);
        domain.watch(changed);
        changed.run();
    }

    synchronized void rename(Domain domain, String newName) {
        Optional<Domain> other = findByName(newName);
        if (other.isPresent() && other.get() != domain) {
            throw new VmhostException(ErrorCode.DOMAIN_EXISTS, "domain '" + newName + "' already exists");
        }
        domain.rename(newName);
    }

    void remove(Domain domain) {
        if (byUuid.remove(domain.uuid, domain)) changed.run();
    }

    /** By name first, then by id, then by UUID, as xm resolves a domain argument. */
    Domain require(String ref) {
        return find(ref).orElseThrow(() -> VmhostException.noSuchDomain(ref));
    }

    Optional<Domain> find(String ref) {
        Optional<Domain> byName = findByName(ref);
        if (byName.isPresent()) return byName;
        if (ref.matches("[0-9]{1,9}")) {
            int id = Integer.parseInt(ref);
            for (Domain d : byUuid.values()) {
                if (d.domid().isPresent() && d.domid().getAsInt() == id) return Optional.of(d);
            }
        }
        return Optional.ofNullable(byUuid.get(ref.toLowerCase(java.util.Locale.ROOT)));
    }

    Optional<Domain> findByName(String name) {
        return byUuid.values().stream().filter(d -> d.name().equals(name)).findFirst();
    }

    Optional<Domain> findByUuid(String uuid) {
        return Optional.ofNullable(byUuid.get(uuid));
    }

    /** xm list's order: running domains by id, then the others by name. */
    static final Comparator<DomainSnapshot> ORDER = Comparator
            .comparingInt((DomainSnapshot s) -> s.domid().orElse(Integer.MAX_VALUE)).thenComparing(DomainSnapshot::name);

    /**
     * Running domains by id, then the others by name. Sorted by one snapshot of each, taken before the
     * sort: a domain that stops meanwhile never breaks the comparison.
     */
    List<Domain> all() {
        List<Map.Entry<DomainSnapshot, Domain>> list = new ArrayList<>();
        for (Domain d : byUuid.values()) list.add(Map.entry(d.snapshot(), d));
        list.sort(Map.Entry.comparingByKey(ORDER));
        return list.stream().map(Map.Entry::getValue).toList();
    }

    /** Every domain, in no order. */
    List<Domain> unordered() {
        return List.copyOf(byUuid.values());
    }
}
