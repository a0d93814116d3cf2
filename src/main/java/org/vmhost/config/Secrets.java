package org.vmhost.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Passwords in configuration text, masked wherever the text is given out (the API's domain view, and from it
 * {@code xm list -l} and the web GUI), as {@link SxpWriter} masks them in SXP. The stored definition keeps the
 * real value; what leaves xend shows {@value #MASK}.
 *
 * <p>Both spellings are masked: the hvm key {@code vncpasswd = "s3cret"} and the option inside a vfb entry,
 * {@code vfb = ['vnc=1,vncpasswd=s3cret']}; also SPICE's {@code spicepasswd}. Masking is idempotent.
 */
public final class Secrets {
    public static final String MASK = "XXXXXXXX";
    private static final Pattern SECRET = Pattern.compile(
            "(?i)\\b((?:vnc|spice)passwd\\s*=\\s*)(\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*'|[^,'\"\\s\\]]*)");

    private Secrets() {
    }

    /** The text with every password's value replaced by {@value #MASK}, quoted as it was. */
    public static String mask(String configText) {
        Matcher m = SECRET.matcher(configText);
        StringBuilder out = new StringBuilder(configText.length());
        while (m.find()) {
            String value = m.group(2);
            String quote = value.startsWith("\"") ? "\"" : value.startsWith("'") ? "'" : "";
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + quote + MASK + quote));
        }
        m.appendTail(out);
        return out.toString();
    }
}
