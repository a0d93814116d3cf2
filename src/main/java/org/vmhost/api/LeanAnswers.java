package org.vmhost.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.vmhost.config.DomainType;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainState;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * The answers xm reads most ({@code xm list}: the domain list, a domain's info; and error bodies), read with
 * jackson-core's streaming parser alone. Binding records by reflection cost a short-lived xm about a fifth of its
 * run when it was Jackson's data binding (building the mapper, then a method handle per record component); these
 * shapes are read by hand, as leniently as {@link Json} reads every answer: an unknown field is skipped, a number may
 * come as text, a {@code null} is a primitive's zero or an empty optional. A shape that does not fit fails as {@link
 * Json}'s reading does, with an {@link IOException} that says why.
 */
final class LeanAnswers {
    private static final JsonFactory FACTORY = new JsonFactory();

    private LeanAnswers() {
    }

    /** {@code GET /api/v1/domains}: {@code {"domains": [DomainInfo...]}}. */
    static List<DomainInfo> domainList(byte[] body) throws IOException {
        try (JsonParser p = FACTORY.createParser(body)) {
            start(p, JsonToken.START_OBJECT);
            List<DomainInfo> domains = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("domains") && p.currentToken() == JsonToken.START_ARRAY) {
                    domains = new ArrayList<>();
                    while (p.nextToken() != JsonToken.END_ARRAY) domains.add(domain(p));
                } else if (field.equals("domains")) {
                    throw new IOException("field 'domains' is not an array");
                } else {
                    p.skipChildren();
                }
            }
            if (domains == null) throw new IOException("no field 'domains'");
            return List.copyOf(domains);
        }
    }

    /** {@code GET /api/v1/domains/{ref}} and the actions that answer with the domain. */
    static DomainInfo domainInfo(byte[] body) throws IOException {
        try (JsonParser p = FACTORY.createParser(body)) {
            p.nextToken();
            return domain(p);
        }
    }

    /** An error body, {@code {"error": {"code": ..., "message": ...}}}; a code this xm does not know fails. */
    static VmhostException error(byte[] body) throws IOException {
        try (JsonParser p = FACTORY.createParser(body)) {
            start(p, JsonToken.START_OBJECT);
            ErrorCode code = null;
            String message = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (!field.equals("error")) {
                    p.skipChildren();
                    continue;
                }
                if (p.currentToken() != JsonToken.START_OBJECT) throw new IOException("field 'error' is not an object");
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String inner = p.currentName();
                    p.nextToken();
                    switch (inner) {
                        case "code" -> code = constant(ErrorCode.class, text(p), "error.code");
                        case "message" -> message = text(p);
                        default -> p.skipChildren();
                    }
                }
            }
            if (code == null || message == null) throw new IOException("an error body needs error.code and error.message");
            return new VmhostException(code, message);
        }
    }

    /** One DomainInfo object, the parser on its START_OBJECT; leaves it on the matching END_OBJECT. */
    private static DomainInfo domain(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) throw new IOException("a domain is not a JSON object");
        DomainFields d = new DomainFields();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "name" -> d.name = text(p);
                case "domid" -> d.domid = p.currentToken() == JsonToken.VALUE_NULL ? OptionalInt.empty() : OptionalInt.of(integer(p, field));
                case "uuid" -> d.uuid = text(p);
                case "type" -> d.type = constant(DomainType.class, text(p), field);
                case "state" -> d.state = constant(DomainState.class, text(p), field);
                case "memory" -> d.memory = integer(p, field);
                case "maxmem" -> d.maxmem = integer(p, field);
                case "vcpus" -> d.vcpus = integer(p, field);
                case "cpuTime" -> d.cpuTime = number(p, field);
                case "managed" -> d.managed = bool(p, field);
                case "autostart" -> d.autostart = bool(p, field);
                case "configText" -> d.configText = text(p);
                case "uptime" -> d.uptime = number(p, field);
                case "error" -> d.error = text(p);
                default -> p.skipChildren(); // a field a newer xend added
            }
        }
        return d.build();
    }

    private static void start(JsonParser p, JsonToken expected) throws IOException {
        if (p.nextToken() != expected) throw new IOException("the answer is not a JSON object");
    }

    /** A string field; a scalar of another kind as its text; {@code null} as null. */
    private static String text(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) return null;
        if (t.isScalarValue()) return p.getText();
        throw new IOException("expected text, found " + t);
    }

    private static int integer(JsonParser p, String field) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_NUMBER_INT -> p.getIntValue();
            case VALUE_NUMBER_FLOAT -> (int) p.getDoubleValue();
            case VALUE_NULL -> 0;
            case VALUE_STRING -> {
                try {
                    yield Integer.parseInt(p.getText().strip());
                } catch (NumberFormatException e) {
                    throw new IOException("field '" + field + "' is not a whole number: " + p.getText());
                }
            }
            default -> throw new IOException("field '" + field + "' is not a whole number");
        };
    }

    private static double number(JsonParser p, String field) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_NULL -> 0;
            case VALUE_STRING -> {
                try {
                    yield Double.parseDouble(p.getText().strip());
                } catch (NumberFormatException e) {
                    throw new IOException("field '" + field + "' is not a number: " + p.getText());
                }
            }
            default -> throw new IOException("field '" + field + "' is not a number");
        };
    }

    private static boolean bool(JsonParser p, String field) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_TRUE -> true;
            case VALUE_FALSE, VALUE_NULL -> false;
            case VALUE_STRING -> switch (p.getText().strip()) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IOException("field '" + field + "' is not a boolean: " + p.getText());
            };
            default -> throw new IOException("field '" + field + "' is not a boolean");
        };
    }

    private static <E extends Enum<E>> E constant(Class<E> type, String value, String field) throws IOException {
        if (value == null) return null;
        try {
            return Enum.valueOf(type, value);
        } catch (IllegalArgumentException e) {
            throw new IOException("field '" + field + "' has an unknown value: " + value);
        }
    }
}
