package org.vmhost.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VNC relay against a scripted RFB server standing in for QEMU's: it answers QEMU's password itself (the
 * DES answer checked against a vector computed with openssl), offers its client security type None, and then
 * passes bytes unchanged both ways.
 */
class VncRelayTest {
    /** openssl enc -des-ecb -K ceccc64ea62e0000 -nopad of "0123456789abcdef": "s3cret" bit-reversed as the key. */
    static final String S3CRET_ANSWER = "cb1c0c7f3228bb937506917ca00de5e1";
    static final byte[] CHALLENGE = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;
    VncRelay relay;
    ServerSocketChannel qemu;
    final BlockingQueue<String> qemuSaw = new LinkedBlockingQueue<>();

    @AfterEach
    void close() throws IOException {
        if (relay != null) relay.close();
        if (qemu != null) qemu.close();
    }

    @Test
    void theAnswerToQemusChallengeIsVncsDes() {
        assertThat(HexFormat.of().formatHex(VncRelay.vncResponse("s3cret", CHALLENGE))).isEqualTo(S3CRET_ANSWER);
        // only the first 8 characters count, as in every VNC server
        assertThat(VncRelay.vncResponse("s3cret\0\0trailing", CHALLENGE)).isEqualTo(VncRelay.vncResponse("s3cret", CHALLENGE));
    }

    @Test
    void aClientGetsNoneAndTheRelayAnswersQemusPassword() throws Exception {
        startQemu(true);
        startRelay(Optional.of("s3cret"));

        try (SocketChannel c = connect()) {
            DataInputStream in = new DataInputStream(Channels.newInputStream(c));
            DataOutputStream out = new DataOutputStream(Channels.newOutputStream(c));
            assertThat(new String(in.readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("RFB 003.008\n");
            out.write("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readUnsignedByte()).as("number of security types").isEqualTo(1);
            assertThat(in.readUnsignedByte()).as("None").isEqualTo(1);
            out.write(1);
            assertThat(in.readInt()).as("SecurityResult").isZero();
            assertThat(qemuSaw.poll(5, TimeUnit.SECONDS)).isEqualTo("authenticated");

            out.write(new byte[] {1, 2, 3, (byte) 0xff}); // ClientInit and more: to QEMU unchanged
            byte[] back = in.readNBytes(4);
            assertThat(back).containsExactly(1, 2, 3, (byte) 0xff);
        }
        assertThat(Files.getPosixFilePermissions(dir.resolve("relay.sock"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aWrongPasswordReachesTheClientAsRfbsFailureWithAReason() throws Exception {
        startQemu(true);
        startRelay(Optional.of("wrong"));

        try (SocketChannel c = connect()) {
            DataInputStream in = new DataInputStream(Channels.newInputStream(c));
            in.readNBytes(12);
            Channels.newOutputStream(c).write("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readUnsignedByte()).as("no security types: a failure").isZero();
            String reason = new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
            assertThat(reason).startsWith("xend cannot open the display of domain 'web1': the display refused xend")
                    .doesNotContain("s3cret").doesNotContain("wrong");
        }
    }

    @Test
    void aDisplayWithoutPasswordIsOpenedWithNone() throws Exception {
        startQemu(false);
        startRelay(Optional.empty());

        try (SocketChannel c = connect()) {
            DataInputStream in = new DataInputStream(Channels.newInputStream(c));
            in.readNBytes(12);
            Channels.newOutputStream(c).write("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readNBytes(2)).containsExactly(1, 1);
            Channels.newOutputStream(c).write(1);
            assertThat(in.readInt()).isZero();
            assertThat(qemuSaw.poll(5, TimeUnit.SECONDS)).isEqualTo("none");
        }
    }

    @Test
    void clientVersionsAreReadAsRfbSays() throws Exception {
        assertThat(VncRelay.clientVersion("RFB 003.008\n")).isEqualTo(8);
        assertThat(VncRelay.clientVersion("RFB 003.007\n")).isEqualTo(7);
        assertThat(VncRelay.clientVersion("RFB 003.003\n")).isEqualTo(3);
        assertThat(VncRelay.clientVersion("RFB 003.889\n")).isEqualTo(8);
        assertThatThrownBy(() -> VncRelay.clientVersion("GET / HTTP/1")).hasMessageContaining("not an RFB client");
    }

    private SocketChannel connect() throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(dir.resolve("relay.sock")));
        return c;
    }

    private void startRelay(Optional<String> password) throws IOException {
        relay = new VncRelay("web1", dir.resolve("qemu.sock"), password, dir.resolve("relay.sock"));
        relay.start();
    }

    /** One connection of QEMU's RFB 3.8 server side: VNC authentication or None, then an echo. */
    private void startQemu(boolean vncAuth) throws IOException {
        qemu = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        qemu.bind(UnixDomainSocketAddress.of(dir.resolve("qemu.sock")));
        Thread.ofVirtual().start(() -> {
            try (SocketChannel s = qemu.accept()) {
                DataInputStream in = new DataInputStream(Channels.newInputStream(s));
                DataOutputStream out = new DataOutputStream(Channels.newOutputStream(s));
                out.write("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
                String version = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
                if (!version.equals("RFB 003.008\n")) throw new IOException("version " + version);
                out.write(new byte[] {1, (byte) (vncAuth ? 2 : 1)});
                int chosen = in.readUnsignedByte();
                if (vncAuth) {
                    if (chosen != 2) throw new IOException("chose " + chosen);
                    out.write(CHALLENGE);
                    String answer = HexFormat.of().formatHex(in.readNBytes(16));
                    if (!answer.equals(S3CRET_ANSWER)) {
                        byte[] why = "Authentication failed".getBytes(StandardCharsets.US_ASCII);
                        out.writeInt(1);
                        out.writeInt(why.length);
                        out.write(why);
                        qemuSaw.add("refused");
                        return;
                    }
                    out.writeInt(0);
                    qemuSaw.add("authenticated");
                } else {
                    out.writeInt(0);
                    qemuSaw.add(chosen == 1 ? "none" : "chose " + chosen);
                }
                in.transferTo(out); // echo
            } catch (IOException e) {
                qemuSaw.add("failed: " + e);
            }
        });
    }
}
