package org.vmhost.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import org.vmhost.domain.DomainRequest;

/**
 * The bodies the API accepts, one record per kind of request. Creating a domain and acting on an existing
 * one are different types; each constructor checks its fields, and a broken rule becomes a
 * {@code BAD_REQUEST} naming the field. The server reads them and the client writes them, so both ends share
 * one definition.
 */
sealed interface RequestBody {

    /** Longest wait a client may ask for, so that a request cannot hold a connection forever. */
    int MAX_WAIT_SECONDS = 3600;

    /**
     * {@code POST /api/v1/domains}: {@code xm create} ({@code start}, the default) or {@code xm new}
     * ({@code start=false}).
     */
    record CreateDomain(String sourceName, String configText, List<String> overrides, boolean start,
                        boolean paused) implements RequestBody {
        public CreateDomain {
            if (sourceName == null || sourceName.isBlank()) throw missing("sourceName");
            if (configText == null) throw missing("configText");
            if (overrides == null) overrides = List.of();
            if (overrides.stream().anyMatch(Objects::isNull))
                throw new IllegalArgumentException("field 'overrides' must hold strings, not null");
            overrides = List.copyOf(overrides);
            if (paused && !start) throw new IllegalArgumentException("field 'paused' needs 'start' to be true");
        }

        /** Reads the optional fields with their defaults: {@code start} true, {@code paused} false. */
        @JsonCreator
        static CreateDomain fromJson(@JsonProperty("sourceName") String sourceName,
                                     @JsonProperty("configText") String configText,
                                     @JsonProperty("overrides") List<String> overrides,
                                     @JsonProperty("start") Boolean start,
                                     @JsonProperty("paused") Boolean paused) {
            return new CreateDomain(sourceName, configText, overrides, start == null || start,
                    paused != null && paused);
        }

        static CreateDomain of(DomainRequest request, boolean start, boolean paused) {
            return new CreateDomain(request.sourceName(), request.configText(), request.overrides(), start, paused);
        }

        DomainRequest toRequest() {
            return new DomainRequest(sourceName, configText, overrides);
        }
    }

    /** {@code POST .../start}. */
    record StartDomain(boolean paused) implements RequestBody {
        @JsonCreator
        static StartDomain fromJson(@JsonProperty("paused") Boolean paused) {
            return new StartDomain(paused != null && paused);
        }
    }

    /** {@code POST .../shutdown} and {@code .../reboot}: how long to wait for the guest; no wait when absent. */
    @JsonInclude(JsonInclude.Include.NON_ABSENT)
    record WaitFor(OptionalInt waitSeconds) implements RequestBody {
        public WaitFor {
            if (waitSeconds == null) waitSeconds = OptionalInt.empty();
            if (waitSeconds.isPresent() && (waitSeconds.getAsInt() < 0 || waitSeconds.getAsInt() > MAX_WAIT_SECONDS))
                throw new IllegalArgumentException("field 'waitSeconds' must be from 0 to " + MAX_WAIT_SECONDS);
        }

        /** Whole seconds, rounded up, at most {@link #MAX_WAIT_SECONDS}; no wait for a zero duration. */
        static WaitFor of(Duration wait) {
            if (wait.isNegative()) throw new IllegalArgumentException("negative wait: " + wait);
            if (wait.isZero()) return new WaitFor(OptionalInt.empty());
            long seconds = wait.toSeconds() + (wait.toNanosPart() > 0 ? 1 : 0);
            return new WaitFor(OptionalInt.of((int) Math.min(seconds, MAX_WAIT_SECONDS)));
        }

        @JsonIgnore
        Duration duration() {
            return Duration.ofSeconds(waitSeconds.orElse(0));
        }
    }

    /** {@code POST .../rename}. */
    record RenameDomain(String name) implements RequestBody {
        public RenameDomain {
            if (name == null || name.isBlank()) throw missing("name");
        }
    }

    /** The actions that take no parameters: the body is empty or {@code {}}. */
    record NoBody() implements RequestBody {
    }

    private static IllegalArgumentException missing(String field) {
        return new IllegalArgumentException("field '" + field + "' is required");
    }
}
