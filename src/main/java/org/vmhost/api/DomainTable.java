package org.vmhost.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.vmhost.config.DomainType;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainState;

/**
 * The domain list and a domain as tab-separated values ({@code text/tab-separated-values}), which xend answers
 * {@code GET /api/v1/domains} and {@code GET /api/v1/domains/{ref}} with when asked for it: a header line of the
 * JSON answer's field names, then a line per domain with the same values. A value's backslash, tab, newline and
 * carriage return are written {@code \\ \t \n \r}; an absent id, type or error is an empty field.
 *
 * <p>xm asks for it: any JSON parser of jackson-core starts by initialising {@link java.math.BigDecimal}, whose
 * static tables (JDK 25 computes 5^65536 there) cost {@code xm list} ~8 ms, a seventh of its run. It is also the
 * shape a shell script reads with {@code cut}. Read as leniently as {@link LeanAnswers} reads JSON: a column this
 * reader does not know is skipped, a missing one is its default.
 */
final class DomainTable {
    static final String MEDIA_TYPE = "text/tab-separated-values";

    private static final List<String> COLUMNS = List.of("name", "domid", "uuid", "type", "state", "memory", "maxmem",
            "vcpus", "cpuTime", "managed", "autostart", "uptime", "error", "configText");

    private DomainTable() {
    }

    /** Whether an answer's {@code Content-Type} is this shape (a media type's name is case-insensitive). */
    static boolean is(String contentType) {
        return contentType.regionMatches(true, 0, MEDIA_TYPE, 0, MEDIA_TYPE.length());
    }

    /** Whether a request's {@code Accept} header asks for this shape. */
    static boolean wanted(String accept) {
        return accept != null && accept.contains(MEDIA_TYPE);
    }

    static byte[] write(List<DomainInfo> domains) {
        StringBuilder sb = new StringBuilder(256 + 512 * domains.size());
        sb.append(String.join("\t", COLUMNS)).append('\n');
        for (DomainInfo d : domains) {
            List<String> values = List.of(d.name(), d.domid().isPresent() ? Integer.toString(d.domid().getAsInt()) : "",
                    d.uuid(), d.type() == null ? "" : d.type().name(), d.state().name(), Integer.toString(d.memory()), Integer.toString(d.maxmem()),
                    Integer.toString(d.vcpus()), Double.toString(d.cpuTime()), Boolean.toString(d.managed()),
                    Boolean.toString(d.autostart()), Double.toString(d.uptime()), d.error().orElse(""), d.configText());
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) sb.append('\t');
                escape(sb, values.get(i));
            }
            sb.append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static List<DomainInfo> read(byte[] body) throws IOException {
        String text = new String(body, StandardCharsets.UTF_8);
        int end = text.indexOf('\n');
        if (end < 0) throw new IOException("no header line");
        String[] header = text.substring(0, end).split("\t", -1);
        List<DomainInfo> domains = new ArrayList<>();
        for (int start = end + 1; start < text.length(); start = end + 1) {
            end = text.indexOf('\n', start);
            if (end < 0) throw new IOException("the last line is cut short");
            domains.add(domain(header, text.substring(start, end).split("\t", -1)));
        }
        return List.copyOf(domains);
    }

    /** The one domain of {@code GET /api/v1/domains/{ref}}. */
    static DomainInfo readOne(byte[] body) throws IOException {
        List<DomainInfo> domains = read(body);
        if (domains.size() != 1) throw new IOException(domains.size() + " domains, not one");
        return domains.get(0);
    }

    private static DomainInfo domain(String[] header, String[] fields) throws IOException {
        if (fields.length != header.length) {
            throw new IOException("a line of " + fields.length + " fields under a header of " + header.length);
        }
        DomainFields d = new DomainFields();
        d.configText = ""; // a column that may be left out
        for (int i = 0; i < header.length; i++) {
            String column = header[i];
            String value = unescape(fields[i]);
            try {
                switch (column) {
                    case "name" -> d.name = value;
                    case "domid" -> d.domid = value.isEmpty() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(value));
                    case "uuid" -> d.uuid = value;
                    case "type" -> d.type = value.isEmpty() ? null : DomainType.valueOf(value);
                    case "state" -> d.state = DomainState.valueOf(value);
                    case "memory" -> d.memory = Integer.parseInt(value);
                    case "maxmem" -> d.maxmem = Integer.parseInt(value);
                    case "vcpus" -> d.vcpus = Integer.parseInt(value);
                    case "cpuTime" -> d.cpuTime = Double.parseDouble(value);
                    case "managed" -> d.managed = Boolean.parseBoolean(value);
                    case "autostart" -> d.autostart = Boolean.parseBoolean(value);
                    case "uptime" -> d.uptime = Double.parseDouble(value);
                    case "error" -> d.error = value.isEmpty() ? null : value;
                    case "configText" -> d.configText = value;
                    default -> { } // a column a newer xend added
                }
            } catch (IllegalArgumentException e) {
                throw new IOException("column '" + column + "' has a value that does not read: " + value);
            }
        }
        return d.build();
    }

    private static void escape(StringBuilder sb, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(c);
            }
        }
    }

    private static String unescape(String field) throws IOException {
        if (field.indexOf('\\') < 0) return field;
        StringBuilder sb = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (++i == field.length()) throw new IOException("a field ends in a lone backslash");
            switch (field.charAt(i)) {
                case '\\' -> sb.append('\\');
                case 't' -> sb.append('\t');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                default -> throw new IOException("an unknown escape \\" + field.charAt(i));
            }
        }
        return sb.toString();
    }
}
