package org.vmhost.qemu;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A daemon for one test: started in a JVM of its own, it starts an idle guest, writes the handle to
 * {@code <dir>/handle.json}, and waits to be killed.
 */
public final class DaemonStandIn {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        QemuProcess qemu = QemuProcess.start(TestGuest.launch(dir, TestGuest.IDLE), Duration.ofSeconds(10));
        qemu.qmp().cont();
        Path handle = dir.resolve("handle.json");
        Path partial = dir.resolve("handle.json.part");
        Files.writeString(partial, new ObjectMapper().writeValueAsString(qemu.handle()));
        Files.move(partial, handle);
        Thread.sleep(Duration.ofMinutes(5));
    }
}
