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

    /** The pattern, compiled on the first text that may hold a password. */
    private static final class Holder {
        static final Pattern SECRET = Pattern.compile(
                "(?i)\\b((?:vnc|spice)passwd\\s*=\\s*)(\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*'|[^,'\"\\s\\]]*)");
    }

    private Secrets() {
    }

    /** The text with every password's value replaced by {@value #MASK}, quoted as it was. */
    public static String mask(String configText) {
        // Most texts hold no password, and xm list masks every domain it reads: the pattern is compiled only for one
        // that may (its compilation was ~1 ms of each xm list).
        if (!configText.toLowerCase(java.util.Locale.ROOT).contains("passwd")) return configText;
        Matcher m = Holder.SECRET.matcher(configText);
        StringBuilder out = new StringBuilder(configText.length());
        while (m.find()) {
            String value = m.group(2);
            String quote = value.startsWith("\"") ? "\"" : value.startsWith("'") ? "'" : "";
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + quote + MASK + quote));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * Text a user edited from the masked view, made whole again: each password still shown as {@value #MASK} gets
     * back the stored value of the same key (the first masked {@code vncpasswd} the first stored one, and so on);
     * a password the user typed stays as typed. Saving the mask itself as a password would lock the user out, so a
     * mask with no stored value to stand for is refused, naming its line.
     *
     * @param source the name errors give the edited text
     * @throws ConfigValueException for a mask that stands for no stored password
     */
    public static String keep(String source, String edited, String stored) throws ConfigValueException {
        java.util.Map<String, java.util.List<String>> values = new java.util.HashMap<>();
        Matcher s = Holder.SECRET.matcher(stored);
        while (s.find()) values.computeIfAbsent(key(s), k -> new java.util.ArrayList<>()).add(s.group(2));
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        Matcher m = Holder.SECRET.matcher(edited);
        StringBuilder out = new StringBuilder(edited.length());
        while (m.find()) {
            String key = key(m);
            int n = seen.merge(key, 1, Integer::sum) - 1;
            String value = m.group(2);
            if (!unquote(value).equals(MASK)) continue;
            java.util.List<String> old = values.getOrDefault(key, java.util.List.of());
            if (n >= old.size()) {
                int line = 1 + (int) edited.substring(0, m.start()).chars().filter(c -> c == '\n').count();
                throw new ConfigValueException(source, line, key, MASK + " stands for a stored password, and there is none "
                        + "here to keep; type the password itself");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + old.get(n)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String key(Matcher m) {
        return m.group(1).replaceAll("[\\s=]", "").toLowerCase(java.util.Locale.ROOT);
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && (value.startsWith("\"") || value.startsWith("'"))) return value.substring(1, value.length() - 1);
        return value;
    }
}
