package org.vmhost.domain;

import org.vmhost.error.VmhostException;
import org.vmhost.error.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.vmhost.config.DomainConfig;

/**
 * The read side of the service: {@code xm list}, a domain's info, Domain-0, and xend's log. Takes no job
 * and no lock.
 */
final class Queries {
    private final XendHome home;
    private final HostEnvironment host;
    private final DomainRegistry registry;

    Queries(XendHome home, HostEnvironment host, DomainRegistry registry) {
        this.home = home;
        this.host = host;
        this.registry = registry;
    }

    /** Domain-0, then running domains by id, then the others by name: sorted from snapshots, read once each. */
    List<DomainInfo> list() {
        List<DomainSnapshot> all = new ArrayList<>();
        for (Domain d : registry.unordered()) all.add(d.snapshot());
        all.sort(DomainRegistry.ORDER);
        List<DomainInfo> list = new ArrayList<>();
        list.add(domain0());
        for (DomainSnapshot s : all) list.add(info(s));
        return list;
    }

    DomainInfo get(String ref) {
        if (ref.equals("Domain-0") || ref.equals("0") || ref.equals(LocalDomainService.DOMAIN0_UUID)) return domain0();
        return info(registry.require(ref));
    }

    List<String> dmesg(int lines) {
        try {
            List<String> all = Files.readAllLines(home.xendLog(), java.nio.charset.StandardCharsets.ISO_8859_1);
            return List.copyOf(all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (java.nio.file.NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot read " + home.xendLog() + ": " + e.getMessage(), e);
        }
    }

    DomainInfo info(Domain d) {
        return info(d.snapshot());
    }

    /** A domain's info from one snapshot: every field from the same moment. */
    static DomainInfo info(DomainSnapshot s) {
        DomainConfig c = s.config();
        double cpu = s.pid() == 0 ? 0 : cpuSeconds(s.pid());
        double uptime = s.startedAt() == null ? 0 : Duration.between(s.startedAt(), Instant.now()).toMillis() / 1000.0;
        int memory = c == null ? 0 : s.memoryTarget() > 0 ? s.memoryTarget() : c.memory(); // as Xen's xm list, after mem-set
        return new DomainInfo(s.name(), s.domid(), s.uuid(), c == null ? null : c.type(), Vcpus.shown(s.state(), s.pid()),
                memory, c == null ? 0 : c.maxmem(), c == null ? 0 : Vcpus.count(s.pid(), c.vcpus()),
                cpu, s.managed(), s.autostart(), s.configText(), uptime, s.error());
    }

    DomainInfo domain0() {
        HostInfo h = host.info();
        return new DomainInfo("Domain-0", OptionalInt.of(0), LocalDomainService.DOMAIN0_UUID, org.vmhost.config.DomainType.PV,
                DomainState.RUNNING, (int) h.totalMemory(), (int) h.totalMemory(), h.cpus(), host.hostCpuSeconds().get(),
                false, false, "", h.uptimeSeconds(), java.util.Optional.empty());
    }

    /** User and system CPU time of a process, from /proc/PID/stat (fields 14 and 15, in USER_HZ). */
    static double cpuSeconds(long pid) {
        try {
            String line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
