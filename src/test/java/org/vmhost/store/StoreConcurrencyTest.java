package org.vmhost.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreConcurrencyTest {
    static final int THREADS = 64;
    static final int ROUNDS = 25;

    @TempDir Path dir;
    Store store;

    @BeforeEach
    void open() {
        store = Store.open(dir.resolve("xend.db"));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private void runOnVirtualThreads(Runnable task) throws Exception {
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) futures.add(executor.submit(task));
            for (Future<?> f : futures) f.get(); // rethrows any failure
        }
    }

    @Test
    void domainIdsAllocatedFromManyVirtualThreadsAreDistinctAndGapless() throws Exception {
        var ids = new ConcurrentLinkedQueue<Integer>();

        runOnVirtualThreads(() -> {
            for (int i = 0; i < ROUNDS; i++) ids.add(store.allocateDomid());
        });

        assertThat(ids).containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, THREADS * ROUNDS).boxed().toList());
    }

    @Test
    void readModifyWriteTransactionsFromManyVirtualThreadsLoseNoUpdate() throws Exception {
        store.saveDefinition(new DomainDefinition(StoreTest.WEB1, "web1", "0", null, true, false, Instant.EPOCH));

        runOnVirtualThreads(() -> {
            for (int i = 0; i < ROUNDS; i++) {
                store.transaction(tx -> {
                    DomainDefinition d = tx.findDefinitionByUuid(StoreTest.WEB1).orElseThrow();
                    int count = Integer.parseInt(d.configText());
                    tx.saveDefinition(new DomainDefinition(d.uuid(), d.name(), String.valueOf(count + 1),
                            d.sourceName(), d.managed(), d.autostart(), d.createdAt()));
                    tx.appendEvent(Instant.EPOCH, "web1", "counted", String.valueOf(count + 1));
                });
            }
        });

        int total = THREADS * ROUNDS;
        assertThat(store.findDefinitionByUuid(StoreTest.WEB1).orElseThrow().configText()).isEqualTo(String.valueOf(total));
        assertThat(store.events(total + 10)).hasSize(total);
    }
}
