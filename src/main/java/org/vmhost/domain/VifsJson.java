package org.vmhost.domain;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.vmhost.json.JsonBinding;
import org.vmhost.json.JsonCodec;
import org.vmhost.json.JsonObject;
import org.vmhost.json.JsonValue;
import org.vmhost.network.Vif;

/**
 * A running domain's vifs in its status row's runtime JSON, {@code {"vifs":[{"devid":0,"mac":...,"tap":"vif3.0",
 * ...}]}}, so that a restarted xend knows which taps are the domain's. Other keys of the object are kept for
 * other runtime facts: {@code "memoryTarget"}, the MiB of its last xm mem-set (absent when none).
 */
final class VifsJson {
    private VifsJson() {
    }

    static String write(List<Vif> vifs) {
        return write(vifs, 0);
    }

    /** The vifs and the memory target (MiB; 0 for none, left out). */
    static String write(List<Vif> vifs, int memoryTarget) {
        JsonObject root = new JsonObject();
        root.set("vifs", JsonBinding.toTree(vifs));
        if (memoryTarget > 0) root.put("memoryTarget", memoryTarget);
        return root.toString();
    }

    /** The last xm mem-set target in a runtime JSON object, in MiB; 0 when it has none (also a row from an older xend). */
    static int memoryTarget(String runtimeJson) {
        try {
            JsonValue t = JsonCodec.parse(runtimeJson).path("memoryTarget");
            return t.canConvertToInt() && t.asInt() > 0 ? t.asInt() : 0;
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable runtime JSON: " + e.getMessage(), e);
        }
    }

    /** The vifs of a runtime JSON object; none when it has no {@code vifs} (a row from an older xend). */
    static List<Vif> read(String runtimeJson) {
        try {
            JsonValue vifs = JsonCodec.parse(runtimeJson).path("vifs");
            if (!vifs.isArray()) return List.of();
            List<Vif> list = new ArrayList<>();
            for (JsonValue v : vifs) list.add(JsonBinding.read(v, Vif.class, JsonBinding.Strictness.LENIENT));
            return List.copyOf(list);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("unreadable vifs in runtime JSON: " + e.getMessage(), e);
        }
    }
}
