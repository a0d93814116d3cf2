package org.vmhost.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The request xm sends most ({@code xm create}, {@code xm new}: {@link RequestBody.CreateDomain}), written with
 * jackson-core's generator alone, byte for byte as {@link Json#write} writes it, so that these commands bind no record
 * by reflection (see {@link LeanAnswers}, which reads their answers).
 */
final class LeanRequests {
    private static final JsonFactory FACTORY = new JsonFactory();

    private LeanRequests() {
    }

    static byte[] createDomain(RequestBody.CreateDomain body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.configText().length() + 128);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("sourceName", body.sourceName());
            g.writeStringField("configText", body.configText());
            g.writeArrayFieldStart("overrides");
            for (String o : body.overrides()) g.writeString(o);
            g.writeEndArray();
            g.writeBooleanField("start", body.start());
            g.writeBooleanField("paused", body.paused());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // into memory: cannot fail
        }
        return out.toByteArray();
    }
}
