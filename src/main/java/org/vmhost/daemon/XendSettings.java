package org.vmhost.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.vmhost.config.ConfigException;
import org.vmhost.config.ConfigReader;
import org.vmhost.config.RawConfig;
import org.vmhost.config.RawSetting;
import org.vmhost.config.RawValue;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * xend's own settings, as xend-config.sxp held them: {@code $VMHOST_HOME/xend.conf}, in the same language as
 * domain configurations ({@code key = value}, {@code #} comments). The file is optional; every key has a
 * default. A key xend does not know, or a value of the wrong kind, stops xend with the file and line, so that a
 * typo never silently leaves a host less protected than its administrator meant.
 *
 * <pre>{@code
 * # $VMHOST_HOME/xend.conf
 * unix_sock_group = "vmadmin"
 * console_limit = 1048576
 * }</pre>
 *
 * <p>Each part of xend reads its keys through the typed getters here and declares them in {@link #KEYS}.
 */
public final class XendSettings {
    /** Every key xend reads, with a line about it for the error that names an unknown one. */
    static final Set<String> KEYS = Set.of(
            "unix_sock_group",      // the group whose members may use the UNIX socket and are administrators
            "api_allowed_hosts",    // more names by which clients reach the TCP API (Host and Origin checks)
            "api_pam_service",      // the PAM service for logins over TCP (default "vmhost")
            "api_tls",              // 1: TLS on the TCP listener even on loopback (always on beyond it)
            "image_pools",           // storage pools besides $VMHOST_HOME/images: existing directories (ImageOperations)
            "console_limit",   // bytes a console log (and QEMU's log) may reach before it is rotated
            "event_log_max",   // events the store keeps
            "event_log_days",  // days an event is kept
            "dom0_min_mem",     // MiB of memory kept for the host: a start that would leave less is refused
            "relocation_server",        // 1: take migrations in (xend-relocation-server); off by default
            "relocation_address",       // the address the relocation server listens on (default: all)
            "relocation_port",          // its port (default 8002, xend-relocation-port)
            "relocation_hosts_allow",   // regular expressions a peer's address or name must match (xend-relocation-hosts-allow)
            "migration_max_downtime_ms" // the longest pause a live migration may cause (default 300)
    );

    private final String source;
    private final RawConfig raw;

    private XendSettings(String source, RawConfig raw) {
        this.source = source;
        this.raw = raw;
    }

    /** The settings of a home, or the defaults when it has no {@code xend.conf}. */
    public static XendSettings load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            text = "";
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(file.toString(), text);
    }

    static XendSettings parse(String source, String text) {
        RawConfig raw;
        try {
            raw = ConfigReader.read(source, text);
        } catch (ConfigException e) {
            throw new VmhostException(ErrorCode.INVALID_CONFIG, e.getMessage());
        }
        for (RawSetting s : raw.settings())
            if (!KEYS.contains(s.key()))
                throw invalid(s, "unknown setting '" + s.key() + "' (known: " + KEYS.stream().sorted().toList() + ")");
        return new XendSettings(source, raw);
    }

    public Optional<String> string(String key) {
        return raw.get(known(key)).map(s -> switch (s.value()) {
            case RawValue.Str str -> str.value();
            default -> throw invalid(s, "'" + key + "' must be a quoted string");
        });
    }

    public String string(String key, String otherwise) {
        return string(key).orElse(otherwise);
    }

    public long integer(String key, long otherwise, long min, long max) {
        Optional<RawSetting> setting = raw.get(known(key));
        if (setting.isEmpty()) return otherwise;
        RawSetting s = setting.get();
        OptionalLong v = s.value() instanceof RawValue.Num n ? n.value() : OptionalLong.empty();
        if (v.isEmpty() || v.getAsLong() < min || v.getAsLong() > max)
            throw invalid(s, "'" + key + "' must be a whole number from " + min + " to " + max);
        return v.getAsLong();
    }

    public boolean bool(String key, boolean otherwise) {
        return integer(key, otherwise ? 1 : 0, 0, 1) == 1;
    }

    public List<String> strings(String key) {
        Optional<RawSetting> setting = raw.get(known(key));
        if (setting.isEmpty()) return List.of();
        RawSetting s = setting.get();
        return switch (s.value()) {
            case RawValue.Str str -> List.of(str.value());
            case RawValue.ListValue list -> list.items().stream().map(item -> {
                if (item instanceof RawValue.Str str) return str.value();
                throw invalid(s, "'" + key + "' must be a list of quoted strings");
            }).toList();
            default -> throw invalid(s, "'" + key + "' must be a quoted string or a list of them");
        };
    }

    /** The file the settings came from, for messages. */
    public String source() {
        return source;
    }

    private static String known(String key) {
        if (!KEYS.contains(key)) throw new IllegalArgumentException("undeclared xend setting: " + key);
        return key;
    }

    private static VmhostException invalid(RawSetting s, String reason) {
        return new VmhostException(ErrorCode.INVALID_CONFIG, s.source() + ":" + s.line() + ": " + reason);
    }
}
