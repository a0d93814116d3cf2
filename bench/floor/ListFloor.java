import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The least a Java client of xend can do for {@code xm list}: open xend's UNIX socket, ask for the domains and copy
 * the raw answer to standard output, with no parsing, no table and no command line. bench/run times it beside
 * {@code xm list} (with an ahead-of-time cache of its own and xm's JVM flags) as the floor that any xm written in
 * Java stands on. Usage: {@code java ListFloor SOCKET}.
 */
public final class ListFloor {
    private ListFloor() {
    }

    public static void main(String[] args) throws IOException {
        byte[] request = "GET /api/v1/domains HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(args[0]));
            channel.write(ByteBuffer.wrap(request));
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            while (channel.read(buffer) >= 0) {
                System.out.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
        }
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
