package org.vmhost.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.vmhost.config.DomainType;
import org.vmhost.domain.DomainState;
import org.vmhost.error.ErrorCode;
import org.vmhost.domain.FakeDomainService;

/** docs/api/openapi.yaml against the code: the same routes and values, and a validator that catches drift. */
class OpenApiDocumentTest {
    private final OpenApiDocument document = OpenApiDocument.get();

    @Test
    void theDocumentDescribesExactlyTheRoutesTheServerServes() {
        Set<String> served = java.util.stream.Stream.concat(Routes.table(new FakeDomainService()).stream(),
                        new AccessRoutes(null, null, null, null, false).table().stream())
                .map(r -> r.method().name() + " " + r.path()).collect(Collectors.toCollection(TreeSet::new));
        served.add("GET " + ApiPaths.EVENTS_WS); // the WebSocket routes
        served.add("GET " + ApiPaths.CONSOLE_WS);
        served.add("GET " + ApiPaths.VNC_WS);
        // the web GUI's files, all served by one route (WebPages, "/*"), documented by the shapes of their paths
        served.addAll(List.of("GET /", "GET /{file}", "GET /pages/{file}", "GET /vendor/{library}/{file}", "GET /vendor/novnc/core/{file}"));

        assertThat(document.operations()).isEqualTo(served);
    }

    @Test
    void theDocumentListsEveryErrorCodeStateAndType() throws IOException {
        JsonNode schemas = yaml().path("components").path("schemas");

        assertThat(strings(schemas.at("/Error/properties/error/properties/code/enum")))
                .containsExactlyElementsOf(names(ErrorCode.values()));
        assertThat(strings(schemas.at("/DomainInfo/properties/state/enum"))).containsExactlyElementsOf(names(DomainState.values()));
        // null is listed too: a domain whose stored definition no longer reads has no type
        assertThat(strings(schemas.at("/DomainInfo/properties/type/enum")))
                .containsExactlyElementsOf(java.util.stream.Stream.concat(names(DomainType.values()).stream(),
                        java.util.stream.Stream.of("null")).toList());
    }

    @Test
    void everyReferenceInTheDocumentResolves() throws IOException {
        JsonNode root = yaml();
        List<String> refs = new ArrayList<>();
        collectRefs(root, refs);

        assertThat(refs).isNotEmpty().allSatisfy(ref -> assertThat(root.at(ref.substring(1)).isMissingNode())
                .as("dangling %s", ref).isFalse());
    }

    @Test
    void theValidatorAcceptsAResponseAsTheServerWritesIt() {
        byte[] body = Json.write(new FakeDomainService().get("Domain-0"));

        assertThat(document.problems("GET", "/api/v1/domains/Domain-0", 200, body)).isEmpty();
    }

    @Test
    void theValidatorCatchesAMissingAnExtraAndAMistypedProperty() {
        String json = new String(Json.write(new FakeDomainService().get("Domain-0")), StandardCharsets.UTF_8)
                .replaceFirst("\"uuid\":\"[^\"]*\",", "")
                .replace("\"vcpus\":2", "\"vcpus\":\"2\"")
                .replaceFirst("\\{", "{\"colour\":\"red\",");

        assertThat(document.problems("GET", "/api/v1/domains/Domain-0", 200, json.getBytes(StandardCharsets.UTF_8)))
                .containsExactlyInAnyOrder(
                        "$: required property 'uuid' is missing",
                        "$: property 'colour' is not in the document",
                        "$.vcpus: expected [integer], got string \"2\"");
    }

    @Test
    void theValidatorCatchesAnUndocumentedStatusAndABodyWhereNoneIsListed() {
        assertThat(document.problems("GET", "/api/v1/host", 201, "{}".getBytes(StandardCharsets.UTF_8)))
                .containsExactly("status 201 is not documented for GET /api/v1/host");
        assertThat(document.problems("DELETE", "/api/v1/domains/x", 204, "{}".getBytes(StandardCharsets.UTF_8)))
                .containsExactly("the document lists no body, but one came");
    }

    @Test
    void theValidatorRequiresTheErrorBodyOnAnUnknownRoute() {
        assertThat(document.problems("GET", "/api/v9/x", 404, "{\"message\":\"no\"}".getBytes(StandardCharsets.UTF_8)))
                .contains("$: required property 'error' is missing");
        assertThat(document.problems("GET", "/api/v9/x", 200, "{}".getBytes(StandardCharsets.UTF_8)))
                .containsExactly("an unknown route answered 200, not an error");
    }

    private static JsonNode yaml() throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(OpenApiDocument.FILE.toFile());
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> names(Enum<?>[] values) {
        return Arrays.stream(values).map(Enum::name).toList();
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.has("$ref")) refs.add(node.get("$ref").asText());
        node.forEach(child -> collectRefs(child, refs));
    }
}
