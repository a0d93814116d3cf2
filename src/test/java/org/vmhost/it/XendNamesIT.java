package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmhost.it.XendInstance.IMAGES;
import static org.vmhost.it.XendInstance.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vmhost.it.XendInstance.Result;

/**
 * Names xl accepts and vmhost once refused, and disks an NBD server exports, through the real xend and xm:
 * a pv guest named {@code web#1} boots from nothing but an NBD export (Debian's qemu-nbd serving the built
 * data disk read-only), shows in {@code xm list}, answers on {@code xm console 'web#1'} and reads the
 * export's content, and goes with {@code xm destroy 'web#1'}; {@code vm-café} does the same with xl's
 * {@code target=nbd://} form. Every reference crosses the API percent-encoded.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class XendNamesIT {
    /** What the built data disk holds (bin/vmhost-build-guests), searched for in the raw device by the guest. */
    private static final String DISK_LINE = "vmhost-disk: hello from the vmhost pv data disk";
    /** A pattern for it that the echo of the typed command does not match itself. */
    private static final String DISK_PATTERN = "vmhost-dis[k]: hello from the [a-z ]*";
    private static final String EXPORT = "pv data";

    static XendInstance xend;
    static Process nbd;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        xend = XendInstance.create().start();
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path log = xend.home().resolve("qemu-nbd.log");
        nbd = new ProcessBuilder("qemu-nbd", "-f", "raw", "-r", "-t", "-e", "8", "-b", "127.0.0.1", "-p", Integer.toString(port),
                "-x", EXPORT, IMAGES.resolve("pv-disk.raw").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        await("qemu-nbd to listen on port " + port, Duration.ofSeconds(10), () -> {
            assertThat(nbd.isAlive()).as("qemu-nbd is running").isTrue();
            try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (xend != null) xend.close();
            assertThat(xend.qemuPids()).as("QEMU processes left behind").isEmpty();
        } finally {
            if (nbd != null) {
                nbd.destroy(); // the qemu-nbd this class started, by its own process handle
                nbd.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** A pv guest with no disk but the NBD export, given as {@code disk}. */
    static String config(String name, String disk) {
        return PvGuestConfig.named(name).disk(disk).text();
    }

    static Optional<String> row(String name) {
        return XendLifecycleIT.row(xend, name);
    }

    @Test
    @Order(1)
    void aGuestNamedWebHash1BootsFromAnNbdExportAndIsListedConsoledAndDestroyedByThatName() throws Exception {
        Path cfg = xend.config("web1.cfg", config("web#1", "nbd:127.0.0.1:" + port + ":exportname=" + EXPORT + ",xvda,r"));

        Result created = xend.xm("create", cfg.toString()).requireSuccess();

        assertThat(created.out()).contains("Started domain web#1 (id=");
        assertThat(row("web#1")).hasValueSatisfying(l -> assertThat(l).matches("web#1 +\\d+ +256 +1 +r----- +[0-9.]+"));
        assertThat(xend.xm("list", "web#1").requireSuccess().out().lines().skip(1).toList())
                .singleElement().satisfies(l -> assertThat(l).startsWith("web#1 "));
        assertThat(xend.xm("list", "-l", "web#1").requireSuccess().out())
                .contains("(name 'web#1')", "(uname 'nbd://127.0.0.1:" + port + "/pv%20data')");
        try (XmConsole c = XmConsole.open(xend, "web#1")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
            c.type("grep -a -o -m 1 '" + DISK_PATTERN + "' /dev/vda\n");
            c.awaitText(DISK_LINE, Duration.ofSeconds(30));
            c.type("\u001d");
            assertThat(c.process.waitFor(10, TimeUnit.SECONDS)).as("xm console detached").isTrue();
        }

        xend.xm("destroy", "web#1").requireSuccess();

        assertThat(row("web#1")).isEmpty();
    }

    @Test
    @Order(2)
    void aGuestNamedVmCafeBootsFromXlsNbdUrlTakesAnNbdDiskHotPluggedAndIsFoundByItsName() throws Exception {
        // an empty CD-ROM drive gives the pv guest the SCSI bus that a hot-plugged disk goes on
        Path cfg = xend.config("cafe.cfg", config("vm-café", "format=raw,vdev=xvda,access=ro,target=nbd://127.0.0.1:"
                + port + "/pv%20data', ',sdc:cdrom,r"));

        xend.xm("create", cfg.toString()).requireSuccess();

        assertThat(row("vm-café")).hasValueSatisfying(l -> assertThat(l).matches("vm-café +\\d+ +256 +1 +r----- +[0-9.]+"));
        try (XmConsole c = XmConsole.open(xend, "vm-café")) {
            c.awaitText("vmhost-guest: ready", Duration.ofSeconds(90));
            c.type("grep -a -o -m 1 '" + DISK_PATTERN + "' /dev/vda\n");
            c.awaitText(DISK_LINE, Duration.ofSeconds(30));

            // the same export hot-plugged, xm's form, through QMP's blockdev-add
            xend.xm("block-attach", "vm-café", "nbd:127.0.0.1:" + port + ":exportname=" + EXPORT, "sdb", "r").requireSuccess();
            assertThat(xend.xm("block-list", "-l", "vm-café").requireSuccess().out()).contains("nbd://127.0.0.1:" + port + "/pv%20data");
            c.type("for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/sda ] && break; sleep 1; done; "
                    + "echo sda=$(grep -a -o -m 1 '" + DISK_PATTERN + "' /dev/sda)\n");
            c.awaitText("sda=" + DISK_LINE, Duration.ofSeconds(30));
        }
        xend.xm("destroy", "vm-café").requireSuccess();
        assertThat(row("vm-café")).isEmpty();
    }

    @Test
    @Order(3)
    void namesThatCannotBeToldApartFromAnIdAUuidOrDomain0AreRefusedSayingWhyByCreateAndRename() throws Exception {
        for (var bad : List.of(
                List.of("42", "a name of digits only would be read as a domain id"),
                List.of("0f8fad5b-d9cb-469f-a165-70867728950e", "a name shaped like a UUID would be read as a UUID"),
                List.of("Domain-0", "Domain-0 is the host's own domain (id 0)"))) {
            Path cfg = xend.config("bad.cfg", config(bad.get(0), "nbd:127.0.0.1:" + port + ",xvda,r"));

            Result r = xend.xm("create", cfg.toString());

            assertThat(r.exit()).as(bad.get(0)).isNotZero();
            assertThat(r.err()).startsWith("Error: ").endsWith(":1: name: '" + bad.get(0)
                    + "' is not a valid domain name: " + bad.get(1) + "\n");
        }
        assertThat(xend.xm("list").requireSuccess().out().lines().count()).as("only the header and Domain-0").isEqualTo(2);

        // xm rename follows the same rule, and takes any other name
        xend.xm("new", xend.config("m.cfg", config("managed", "nbd:127.0.0.1:" + port + ",xvda,r")).toString()).requireSuccess();
        Result refused = xend.xm("rename", "managed", "007");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).isEqualTo("Error: invalid domain name '007': a name of digits only would be read as a domain id\n");
        xend.xm("rename", "managed", "web #2/ü").requireSuccess();
        assertThat(xend.xm("list", "web #2/ü").requireSuccess().out()).contains("web #2/ü ");
        xend.xm("delete", "web #2/ü").requireSuccess();
        assertThat(xend.xm("list").requireSuccess().out().lines().count()).isEqualTo(2);
    }

}
