package org.vmhost.api;

import com.fasterxml.jackson.core.exc.StreamReadException;
import java.io.IOException;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.json.JsonBinding;
import org.vmhost.json.JsonBindingException;
import org.vmhost.json.JsonCodec;
import org.vmhost.json.JsonObject;
import org.vmhost.json.JsonValue;

/**
 * JSON as both ends of the API write and read it ({@link JsonBinding}): {@code Optional} and {@code OptionalInt}
 * {@code null} when empty, instants as ISO-8601 text.
 *
 * <p>Requests are read strictly: an unknown field, a value of the wrong type (a string for a boolean, a
 * fraction for a whole number, a number for a string) or a second value after the object is a
 * {@code BAD_REQUEST} that names the field; {@code null} reads as an absent field. Answers are read
 * leniently, so that an older xm still understands a newer xend that added a field.
 */
final class Json {
    private Json() {
    }

    static byte[] write(Object value) {
        return JsonBinding.write(value);
    }

    /** A request body; an empty body reads as {@code {}}, so bodies whose fields are all optional may be left out. */
    static <T> T readRequest(byte[] body, Class<T> type) {
        JsonValue tree;
        try {
            tree = body.length == 0 ? new JsonObject() : JsonCodec.parseOnly(body);
        } catch (JsonCodec.TrailingValueException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "malformed JSON: more than one value in the body");
        } catch (StreamReadException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "malformed JSON: " + e.getOriginalMessage() + location(e));
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "unreadable request body");
        }
        if (!tree.isObject()) throw new VmhostException(ErrorCode.BAD_REQUEST, "request body must be a JSON object");
        try {
            return JsonBinding.read(tree, type, JsonBinding.Strictness.STRICT);
        } catch (JsonBindingException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, e.getMessage());
        }
    }

    /** A response body from xend. */
    static <T> T readResponse(byte[] body, Class<T> type) throws IOException {
        return JsonBinding.read(JsonCodec.parse(body), type, JsonBinding.Strictness.LENIENT);
    }

    private static String location(StreamReadException e) {
        return e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }
}
