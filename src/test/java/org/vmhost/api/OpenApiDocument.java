package org.vmhost.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * docs/api/openapi.yaml, read with a small validator: a response matches the document when its status is
 * listed for its route (or covered by {@code default}) and its JSON body has the listed shape: required
 * properties, no undocumented ones, types, enums and array items. A path the document does not know must
 * answer with the error body.
 */
final class OpenApiDocument {
    static final Path FILE = Path.of("docs/api/openapi.yaml");
    private static final OpenApiDocument INSTANCE = load(FILE);

    private final JsonNode root;

    private OpenApiDocument(JsonNode root) {
        this.root = root;
    }

    static OpenApiDocument get() {
        return INSTANCE;
    }

    static OpenApiDocument load(Path file) {
        try {
            return new OpenApiDocument(new ObjectMapper(new YAMLFactory()).readTree(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every operation, as {@code "GET /api/v1/domains/{ref}"}. */
    Set<String> operations() {
        Set<String> ops = new TreeSet<>();
        root.path("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
            if (!op.getKey().equals("parameters")) ops.add(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
        }));
        return ops;
    }

    /** Throws an AssertionError naming what differs from the document. */
    void check(String method, String path, int status, byte[] body) {
        check(method, path, status, "application/json", body);
    }

    /** As above, for an answer of this {@code Content-Type}. */
    void check(String method, String path, int status, String contentType, byte[] body) {
        String what = method + " " + path + " -> " + status + " " + new String(body, StandardCharsets.UTF_8);
        List<String> problems = problems(method, path, status, contentType, body);
        if (!problems.isEmpty()) throw new AssertionError("response does not match " + FILE + ": " + what + "\n  " + String.join("\n  ", problems));
    }

    List<String> problems(String method, String path, int status, byte[] body) {
        return problems(method, path, status, "application/json", body);
    }

    List<String> problems(String method, String path, int status, String contentType, byte[] body) {
        JsonNode operation = operation(method, path.split("\\?", 2)[0]);
        JsonNode response;
        if (operation == null) {
            if (status < 400) return List.of("an unknown route answered " + status + ", not an error");
            response = resolve(root.at("/components/responses/Error"));
        } else {
            JsonNode responses = operation.path("responses");
            response = responses.has(String.valueOf(status)) ? responses.get(String.valueOf(status))
                    : status >= 400 ? responses.get("default") : null;
            if (response == null) return List.of("status " + status + " is not documented for " + method + " " + path);
            response = resolve(response);
        }
        if (contentType.startsWith(TSV)) return tsvProblems(response.path("content").path(TSV), body);
        JsonNode schema = response.path("content").path("application/json").path("schema");
        List<String> problems = new ArrayList<>();
        if (schema.isMissingNode()) {
            if (response.path("content").size() > 0) return problems; // a text body (text/plain, the GUI's files): any
            if (body.length > 0) problems.add("the document lists no body, but one came");
            return problems;
        }
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(body);
        } catch (IOException e) {
            return List.of("body is not JSON: " + e.getMessage());
        }
        if (json == null || json.isMissingNode()) return List.of("body is empty, the document lists " + schema);
        validate(schema, json, "$", problems);
        return problems;
    }

    private static final String TSV = "text/tab-separated-values";

    /**
     * A tab-separated answer: the document must list the media type, and each line, its fields typed by the
     * properties of the content's {@code x-row} schema (an empty field as null), must be valid against that schema.
     */
    private List<String> tsvProblems(JsonNode content, byte[] body) {
        if (content.isMissingNode()) return List.of("the document lists no " + TSV + " answer here");
        JsonNode row = resolve(content.path("x-row"));
        String[] lines = new String(body, StandardCharsets.UTF_8).split("\n", -1);
        if (lines.length < 2 || !lines[lines.length - 1].isEmpty()) return List.of("not a header and lines each ended by a newline");
        String[] header = lines[0].split("\t", -1);
        List<String> problems = new ArrayList<>();
        for (int i = 1; i < lines.length - 1; i++) {
            String[] fields = lines[i].split("\t", -1);
            if (fields.length != header.length) {
                problems.add("line " + i + ": " + fields.length + " fields under a header of " + header.length);
                continue;
            }
            com.fasterxml.jackson.databind.node.ObjectNode value = JsonNodeFactory.instance.objectNode();
            for (int f = 0; f < header.length; f++) {
                JsonNode property = resolve(row.path("properties").path(header[f]));
                String text = unescapeTsv(fields[f]);
                JsonNode type = property.path("type");
                boolean nullable = type.isArray() && type.toString().contains("\"null\"");
                String base = type.isArray() ? type.get(0).asText() : type.asText("string");
                if (text.isEmpty() && nullable) value.putNull(header[f]);
                else if (base.equals("integer") && text.matches("-?[0-9]+")) value.put(header[f], Long.parseLong(text));
                else if (base.equals("number") && text.matches("-?[0-9.]+(E-?[0-9]+)?")) value.put(header[f], Double.parseDouble(text));
                else if (base.equals("boolean") && text.matches("true|false")) value.put(header[f], Boolean.parseBoolean(text));
                else value.put(header[f], text);
            }
            validate(row, value, "line " + i, problems);
        }
        return problems;
    }

    private static String unescapeTsv(String field) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 1 < field.length()) {
                char next = field.charAt(++i);
                sb.append(switch (next) { case 't' -> '\t'; case 'n' -> '\n'; case 'r' -> '\r'; default -> next; });
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The operation whose path template matches, or null. */
    private JsonNode operation(String method, String path) {
        for (Map.Entry<String, JsonNode> entry : root.path("paths").properties()) {
            if (template(entry.getKey()).matcher(path).matches()) {
                JsonNode op = entry.getValue().get(method.toLowerCase(Locale.ROOT));
                if (op != null) return op;
            }
        }
        return null;
    }

    private static Pattern template(String path) {
        StringBuilder regex = new StringBuilder();
        for (String part : path.split("(?=\\{)|(?<=\\})")) {
            regex.append(part.startsWith("{") ? "[^/]+" : Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }

    private JsonNode resolve(JsonNode node) {
        while (node.has("$ref")) {
            String ref = node.get("$ref").asText();
            if (!ref.startsWith("#")) throw new IllegalStateException("only local $refs are supported: " + ref);
            JsonNode target = root.at(ref.substring(1));
            if (target.isMissingNode()) throw new IllegalStateException("dangling $ref " + ref);
            node = target;
        }
        return node;
    }

    private void validate(JsonNode schema, JsonNode value, String where, List<String> problems) {
        schema = resolve(schema);
        Set<String> types = new TreeSet<>();
        if (schema.path("type").isArray()) schema.path("type").forEach(t -> types.add(t.asText()));
        else if (schema.has("type")) types.add(schema.path("type").asText());
        if (!types.isEmpty() && types.stream().noneMatch(t -> hasType(value, t))) {
            problems.add(where + ": expected " + types + ", got " + value.getNodeType().name().toLowerCase(Locale.ROOT) + " " + value);
            return;
        }
        if (value.isNull()) return;
        if (schema.has("enum")) {
            boolean listed = false;
            for (JsonNode option : schema.get("enum")) listed |= option.equals(value);
            if (!listed) problems.add(where + ": " + value + " is not one of " + schema.get("enum"));
        }
        if (value.isTextual() && "date-time".equals(schema.path("format").asText())) {
            try {
                Instant.parse(value.asText());
            } catch (DateTimeParseException e) {
                problems.add(where + ": '" + value.asText() + "' is not a date-time");
            }
        }
        if (value.isObject()) {
            JsonNode properties = schema.path("properties");
            for (JsonNode required : schema.path("required"))
                if (!value.has(required.asText())) problems.add(where + ": required property '" + required.asText() + "' is missing");
            for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (properties.has(name)) validate(properties.get(name), value.get(name), where + "." + name, problems);
                else if (schema.path("additionalProperties").isBoolean() && !schema.path("additionalProperties").asBoolean())
                    problems.add(where + ": property '" + name + "' is not in the document");
            }
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) validate(schema.get("items"), value.get(i), where + "[" + i + "]", problems);
        }
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "null" -> value.isNull();
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "boolean" -> value.isBoolean();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            default -> throw new IllegalStateException("unknown type in document: " + type);
        };
    }
}
