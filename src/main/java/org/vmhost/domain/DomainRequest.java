package org.vmhost.domain;

import java.util.List;
import java.util.Objects;

/**
 * A configuration sent to xend for {@code xm create} or {@code xm new}: the file's text as xm read it on
 * the client's side, the name it came from (for error messages), and {@code key=value} overrides.
 */
public record DomainRequest(String sourceName, String configText, List<String> overrides) {

    public DomainRequest {
        Objects.requireNonNull(sourceName, "sourceName");
        Objects.requireNonNull(configText, "configText");
        overrides = List.copyOf(overrides);
    }
}
