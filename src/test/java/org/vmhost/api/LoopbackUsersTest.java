package org.vmhost.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The user behind a loopback client, from the kernel's socket tables: real connections, and the tables' format. */
class LoopbackUsersTest {
    static final int ROOT = 0;

    /** A client run as another user, holding its connection for 10 s: bash's /dev/tcp, as that user. */
    static Process clientAs(String user, String address, int port) throws IOException {
        return new ProcessBuilder("runuser", "-u", user, "--", "bash", "-c",
                "exec 3<>/dev/tcp/" + address + "/" + port + " && sleep 10").redirectErrorStream(true).start();
    }

    @Test
    void aLoopbackClientsUserIsTheUidThatHoldsItsSocketNotXends() throws Exception {
        LoopbackUsers users = new LoopbackUsers();
        int nobody = Integer.parseInt(org.vmhost.host.HostCommand.of("id", "-u", "nobody").run().strip());
        for (String address : List.of("127.0.0.1", "::1")) {
            try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName(address))) {
                Process client = clientAs("nobody", address, server.getLocalPort());
                try (Socket accepted = server.accept()) {
                    InetSocketAddress from = (InetSocketAddress) accepted.getRemoteSocketAddress();
                    InetSocketAddress to = (InetSocketAddress) accepted.getLocalSocketAddress();

                    assertThat(users.uidOf(from.getAddress().getHostAddress(), from.getPort(), to.getAddress().getHostAddress(),
                            to.getPort())).as(address).hasValue(nobody);
                } finally {
                    client.destroyForcibly().waitFor();
                }
            }
        }
    }

    @Test
    void aLoopbackClientsUserIsTheUidThatHoldsItsSocketOverIpv4AndIpv6() throws IOException {
        LoopbackUsers users = new LoopbackUsers();
        for (String address : List.of("127.0.0.1", "::1", "127.0.0.2")) {
            try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName(address));
                 Socket client = new Socket(InetAddress.getByName(address), server.getLocalPort());
                 Socket accepted = server.accept()) {
                InetSocketAddress from = (InetSocketAddress) accepted.getRemoteSocketAddress();
                InetSocketAddress to = (InetSocketAddress) accepted.getLocalSocketAddress();

                assertThat(users.uidOf(from.getAddress().getHostAddress(), from.getPort(), to.getAddress().getHostAddress(),
                        to.getPort())).as(address).hasValue(ROOT); // this test runs as root, as the suite does
                assertThat(users.uidOf(from.getAddress().getHostAddress(), from.getPort() == 65535 ? 1 : from.getPort() + 1,
                        to.getAddress().getHostAddress(), to.getPort())).as("another port: no such socket").isEmpty();
            }
        }
    }

    @Test
    void theTablesAddressesAreReadInTheHostsWordOrderAndOnlyTheClientsSideCounts(@TempDir Path dir) throws IOException {
        Path tcp = dir.resolve("tcp");
        Path tcp6 = dir.resolve("tcp6");
        Files.writeString(tcp, """
                  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
                   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
                   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1
                   2: 0100007F:D431 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1001        0 3 1 0 20 4 30 10 -1
                   3: 0100007F:D432 0100007F:1F90 06 00000000:00000000 03:00000F9B 00000000     0        0 0 3 0
                   4: 0100007F:D433 0100007F:1F90 01 00000000:00000000 00:00000000 00000000 100000        0 7 1 0 20 4 30 10 -1
                """);
        Files.writeString(tcp6, """
                  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
                   0: 00000000000000000000000001000000:C350 00000000000000000000000001000000:1F90 01 00000000:00000000 00:00000000 00000000  1002        0 4 1 0 20 4 30 10 -1
                   1: 0000000000000000FFFF00000200007F:C351 0000000000000000FFFF00000100007F:1F90 01 00000000:00000000 00:00000000 00000000  1003        0 5 1 0 20 4 30 10 -1
                """);
        LoopbackUsers users = new LoopbackUsers(List.of(tcp, tcp6, dir.resolve("missing")), uid -> uid < 100000);

        assertThat(users.uidOf("127.0.0.1", 0xD431, "127.0.0.1", 8080)).as("the client's side, not xend's").hasValue(1001);
        assertThat(users.uidOf("::1", 50000, "::1", 8080)).hasValue(1002);
        assertThat(users.uidOf("[::1]", 50000, "[::1]", 8080)).as("in brackets").hasValue(1002);
        assertThat(users.uidOf("127.0.0.2", 50001, "127.0.0.1", 8080)).as("IPv4 mapped into IPv6").hasValue(1003);
        assertThat(users.uidOf("127.0.0.1", 0xD431, "127.0.0.1", 8081)).as("to another port").isEmpty();
        assertThat(users.uidOf("192.0.2.7", 0xD431, "127.0.0.1", 8080)).as("not loopback: never looked up").isEmpty();
        assertThat(users.uidOf("localhost", 0xD431, "127.0.0.1", 8080)).as("a name: never resolved").isEmpty();
        assertThat(users.uidOf("127.0.0.1", 0xD432, "127.0.0.1", 8080)).as("closed already (TIME_WAIT, listed as root's)").isEmpty();
        assertThat(users.uidOf("127.0.0.1", 0xD433, "127.0.0.1", 8080)).as("an id of no account (a user's namespace)").isEmpty();
    }
}
