package org.vmhost.config;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A virtual frame buffer ({@code vfb = [ 'vnc=1,vnclisten=0.0.0.0' ]}), or the equivalent hvm display keys.
 *
 * @param vnc        export the display over VNC
 * @param sdl        show it in a local SDL window
 * @param vnclisten  address the VNC server listens on
 * @param vncdisplay fixed VNC display number (port 5900 + n)
 * @param vncunused  pick the first free display when none is fixed
 * @param vncpasswd  VNC password
 * @param keymap     keyboard layout, e.g. {@code en-us}
 */
public record VfbConfig(boolean vnc, boolean sdl, Optional<String> vnclisten, OptionalInt vncdisplay,
                        boolean vncunused, Optional<String> vncpasswd, Optional<String> keymap) {

    public VfbConfig {
        Objects.requireNonNull(vnclisten, "vnclisten");
        Objects.requireNonNull(vncdisplay, "vncdisplay");
        Objects.requireNonNull(vncpasswd, "vncpasswd");
        Objects.requireNonNull(keymap, "keymap");
        // Blank fields are defaults, as in the spec; a comma would end the field in the spec text.
        vnclisten = field("vnclisten", vnclisten);
        // An address, and nothing QEMU's -vnc would read as an option of its own (websocket=..., unix:...).
        vnclisten.ifPresent(l -> {
            if (!l.matches("[A-Za-z0-9._:%-]+")) {
                throw new IllegalArgumentException("vnclisten must be an IP address or a host name, not '" + l + "'");
            }
        });
        vncpasswd = field("vncpasswd", vncpasswd);
        keymap = field("keymap", keymap);
        vncdisplay.ifPresent(d -> {
            if (d < 0 || d > 65535 - 5900) throw new IllegalArgumentException("vncdisplay out of range: " + d);
        });
    }

    private static Optional<String> field(String name, Optional<String> value) {
        Optional<String> v = value.map(String::strip).filter(x -> !x.isEmpty());
        v.ifPresent(x -> {
            if (x.indexOf(',') >= 0 || x.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("vfb " + name + " contains a comma or NUL");
            }
        });
        return v;
    }
}
