package org.vmhost.store;

import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;

/**
 * Run in a child JVM by {@link StoreDurabilityTest}: writes one domain per transaction, forever, and
 * prints the number of each write once it is acknowledged, until the test kills it with SIGKILL.
 */
public final class KilledWriter {
    private KilledWriter() {}

    public static void main(String[] args) {
        Store store = Store.open(Path.of(args[0])); // never closed: the process dies holding it
        for (int i = 1; ; i++) {
            int n = i;
            store.transaction(tx -> {
                int domid = tx.allocateDomid();
                tx.saveDefinition(new DomainDefinition(uuid(n), "dom" + n, "memory = 128\n", null, false, false,
                        Instant.now()));
                tx.saveStatus(new DomainStatus(uuid(n), domid, 1000 + n, n, "/run/qmp" + n, null, null,
                        "RUNNING", Instant.now(), "{}"));
            });
            System.out.println(n);
            System.out.flush();
        }
    }

    static String uuid(int n) {
        return new UUID(0x1234L << 48, n).toString();
    }
}
