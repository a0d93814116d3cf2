package org.vmhost.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Passwords in configuration text, masked wherever the text is given out (the API's domain view, and from it
 * {@code xm list -l} and the web GUI), as {@link SxpWriter} masks them in SXP. The stored definition keeps the
 * real value; what leaves xend shows {@value #MASK}.
 *
 * <p>Both spellings are masked: the hvm key {@code vncpasswd = "s3cret"} (or {@code +=}, which appends to it) and the
 * option inside a vfb entry, {@code vfb = ['vnc=1,vncpasswd=s3cret']}, whose value runs to the next comma or the
 * string's end, whatever it holds; also SPICE's {@code spicepasswd}. Masking is idempotent.
 */
public final class Secrets {
    public static final String MASK = "XXXXXXXX";

    /** The patterns, compiled on the first text that may hold a password. */
    private static final class Holder {
        /** A string literal, in either quote, with its escapes. */
        static final Pattern LITERAL = Pattern.compile("\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*'");
        /** The key form's start, just before its value's literal: {@code vncpasswd = } or {@code vncpasswd += }. */
        static final Pattern KEY_BEFORE = Pattern.compile("(?i)\\b((?:vnc|spice)passwd)[ \\t]*\\+?=[ \\t]*$");
        /** The key form with an unquoted value (and in comments), outside literals. */
        static final Pattern KEY_BARE = Pattern.compile("(?i)\\b((?:vnc|spice)passwd)[ \\t]*\\+?=[ \\t]*([^,'\"\\s\\]]+)");
        /** A setting's start, at a line's start: {@code name =} or {@code name +=}. */
        static final Pattern SETTING = Pattern.compile("(?m)^[ \\t]*([A-Za-z_][A-Za-z0-9_]*)[ \\t]*\\+?=");
        /** The option inside a literal (a vfb entry's): its value runs to the next comma or the literal's end. */
        static final Pattern OPTION = Pattern.compile("(?i)(?<![A-Za-z0-9_])((?:vnc|spice)passwd)[ \\t]*=([^,]*)");
    }

    /** Where one password's value lies: {@code [start, end)}; for the key form its literal, quotes included. */
    private record Found(String key, int start, int end) {
        String value(String text) {
            return text.substring(start, end);
        }
    }

    private Secrets() {
    }

    /** Every password's value in the text, in order: the key form (quoted or not) and the option inside strings. */
    private static List<Found> find(String text) {
        List<Found> found = new ArrayList<>();
        Matcher lit = Holder.LITERAL.matcher(text);
        int pos = 0;
        while (lit.find()) {
            bare(text, pos, lit.start(), found);
            int lineStart = text.lastIndexOf('\n', lit.start() - 1) + 1;
            Matcher key = Holder.KEY_BEFORE.matcher(text).region(Math.max(lineStart, pos), lit.start());
            if (key.find()) {
                found.add(new Found(key.group(1).toLowerCase(Locale.ROOT) + "=", lit.start(), lit.end()));
            } else {
                Matcher option = Holder.OPTION.matcher(text).region(lit.start() + 1, lit.end() - 1);
                while (option.find()) found.add(new Found(option.group(1).toLowerCase(Locale.ROOT) + ",", option.start(2), option.end(2)));
            }
            pos = lit.end();
        }
        bare(text, pos, text.length(), found);
        return found;
    }

    private static void bare(String text, int from, int to, List<Found> found) {
        Matcher m = Holder.KEY_BARE.matcher(text).region(from, to);
        while (m.find()) found.add(new Found(m.group(1).toLowerCase(Locale.ROOT) + "=", m.start(2), m.end(2)));
    }

    /** The text with every password's value replaced by {@value #MASK}, quoted as it was. */
    public static String mask(String configText) {
        // Most texts hold no password, and xm list masks every domain it reads: the patterns are compiled only for one
        // that may (their compilation was ~1 ms of each xm list).
        if (!configText.toLowerCase(Locale.ROOT).contains("passwd")) return configText;
        StringBuilder out = new StringBuilder(configText.length());
        int pos = 0;
        for (Found f : find(configText)) {
            String value = f.value(configText);
            String quote = value.startsWith("\"") ? "\"" : value.startsWith("'") ? "'" : "";
            out.append(configText, pos, f.start()).append(quote).append(MASK).append(quote);
            pos = f.end();
        }
        return out.append(configText.substring(pos)).toString();
    }

    /**
     * Text a user edited from the masked view, made whole again: each password still shown as {@value #MASK} gets
     * back the stored value of the same setting, key and form (the first masked {@code vncpasswd} the first stored one,
     * and so on; comments neither count nor get one back); a password the user typed stays as typed. Saving the mask itself as a password would lock the user out, so
     * a mask with no stored value to stand for is refused, naming its line.
     *
     * @param source the name errors give the edited text
     * @throws ConfigValueException for a mask that stands for no stored password
     */
    public static String keep(String source, String edited, String stored) throws ConfigValueException {
        Map<String, List<String>> values = new HashMap<>();
        for (Found f : find(stored)) {
            String where = where(stored, f);
            if (where != null) values.computeIfAbsent(where, k -> new ArrayList<>()).add(f.value(stored));
        }
        Map<String, Integer> seen = new HashMap<>();
        StringBuilder out = new StringBuilder(edited.length());
        int pos = 0;
        for (Found f : find(edited)) {
            String where = where(edited, f);
            if (where == null) continue; // a comment's: it stays masked
            int n = seen.merge(where, 1, Integer::sum) - 1;
            if (!unquote(f.value(edited)).strip().equals(MASK)) continue;
            List<String> old = values.getOrDefault(where, List.of());
            if (n >= old.size()) {
                int line = 1 + (int) edited.substring(0, f.start()).chars().filter(c -> c == '\n').count();
                throw new ConfigValueException(source, line, f.key().substring(0, f.key().length() - 1), MASK
                        + " stands for a stored password, and there is none here to keep; type the password itself");
            }
            out.append(edited, pos, f.start()).append(old.get(n));
            pos = f.end();
        }
        return out.append(edited.substring(pos)).toString();
    }

    /**
     * What a password's value pairs with across an edit: the setting it is in (vfb, vncpasswd, extra...), its key and
     * its form, so that a mask typed into another setting never gets a stored password; null in a comment.
     */
    private static String where(String text, Found f) {
        int lineStart = text.lastIndexOf('\n', f.start() - 1) + 1;
        if (text.substring(lineStart, f.start()).strip().startsWith("#")) return null;
        Matcher m = Holder.SETTING.matcher(text).region(0, f.start());
        String setting = "";
        while (m.find()) setting = m.group(1).toLowerCase(Locale.ROOT);
        return setting + "/" + f.key();
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && (value.startsWith("\"") || value.startsWith("'"))) return value.substring(1, value.length() - 1);
        return value;
    }
}
