package org.vmhost.domain;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.vmhost.network.Vif;

/**
 * A running domain's vifs in its status row's runtime JSON, {@code {"vifs":[{"devid":0,"mac":...,"tap":"vif3.0",
 * ...}]}}, so that a restarted xend knows which taps are the domain's. Other keys of the object are kept for
 * other runtime facts.
 */
final class VifsJson {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new Jdk8Module())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private VifsJson() {
    }

    static String write(List<Vif> vifs) {
        ObjectNode root = JSON.createObjectNode();
        root.set("vifs", JSON.valueToTree(vifs));
        return root.toString();
    }

    /** The vifs of a runtime JSON object; none when it has no {@code vifs} (a row from an older xend). */
    static List<Vif> read(String runtimeJson) {
        try {
            JsonNode vifs = JSON.readTree(runtimeJson).path("vifs");
            if (!vifs.isArray()) return List.of();
            List<Vif> list = new ArrayList<>();
            for (JsonNode v : vifs) list.add(JSON.treeToValue(v, Vif.class));
            return List.copyOf(list);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("unreadable vifs in runtime JSON: " + e.getMessage(), e);
        }
    }
}
