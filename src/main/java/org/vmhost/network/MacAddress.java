package org.vmhost.network;

import java.security.SecureRandom;
import java.util.Random;
import java.util.regex.Pattern;

/** MAC addresses for guests: random under Xen's prefix 00:16:3e, as xend chose them. */
public final class MacAddress {
    private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");
    private static final Random RANDOM = new SecureRandom();

    private MacAddress() {
    }

    /** A new address 00:16:3e:xx:xx:xx with the top bit of the fourth byte clear, as Xen's were. */
    public static String random() {
        synchronized (RANDOM) {
            return String.format("00:16:3e:%02x:%02x:%02x", RANDOM.nextInt(0x80), RANDOM.nextInt(256), RANDOM.nextInt(256));
        }
    }

    public static boolean valid(String mac) {
        return MAC.matcher(mac).matches();
    }
}
