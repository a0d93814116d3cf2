package org.vmhost.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.function.Predicate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * The access model's credentials for xend's other listeners (the relocation server): the same TLS key as the API
 * ({@code tls/xend.p12}, self-signed on first need), its certificate's SHA-256 fingerprint for peers to pin, and the
 * same administrator tokens ({@code api.token}, and tokens made with {@code xm token-create} as administrators).
 */
public final class PeerKeys {
    private final SSLContext context;
    private final String fingerprint;

    private PeerKeys(SSLContext context, String fingerprint) {
        this.context = context;
        this.fingerprint = fingerprint;
    }

    /** Reads (or makes) xend's TLS key beside the token file, and writes its fingerprint to {@code tls/xend.p12.sha256}. */
    public static PeerKeys load(Path tokenFile, String listen) {
        Path dir = tokenFile.toAbsolutePath().resolveSibling("tls");
        TlsKeys.Store store = TlsKeys.ensure(dir, listen);
        try (InputStream in = Files.newInputStream(store.path())) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, store.password().toCharArray());
            String alias = ks.aliases().nextElement();
            X509Certificate cert = (X509Certificate) ks.getCertificate(alias);
            String fp = java.util.HexFormat.ofDelimiter(":").formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, store.password().toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            PrivateFile.write(dir.resolve(TlsKeys.STORE + ".sha256"), (fp + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return new PeerKeys(ctx, fp);
        } catch (IOException | GeneralSecurityException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot read xend's TLS key in " + dir + ": " + e.getMessage(), e);
        }
    }

    public SSLContext context() {
        return context;
    }

    /** The certificate's SHA-256, hex with colons: not a secret. */
    public String fingerprint() {
        return fingerprint;
    }

    /** Whether a bearer token is one of this xend's administrator tokens. */
    public static Predicate<String> adminTokens(Path tokenFile) {
        TokenFile admin = TokenFile.loadOrCreate(tokenFile);
        ApiTokens tokens = new ApiTokens(tokenFile.toAbsolutePath().resolveSibling("api-tokens.json"));
        return token -> admin.accepts("Bearer " + token)
                || tokens.find(token).map(c -> c.role() == Role.ADMIN).orElse(false);
    }
}
