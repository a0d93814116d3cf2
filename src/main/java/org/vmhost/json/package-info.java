/**
 * JSON for all of vmhost, on jackson-core's streaming parser and generator alone: a tree ({@link
 * org.vmhost.json.JsonValue}, {@link org.vmhost.json.JsonObject}, {@link org.vmhost.json.JsonArray}) for QMP, the
 * relocation protocol and the files xend keeps, and {@link org.vmhost.json.JsonBinding} between that tree and
 * vmhost's records for the API's bodies.
 *
 * <p>Why not Jackson's data binding: it was the largest part of xend's start-up cache, and building an {@code
 * ObjectMapper} alone (even for trees only) keeps ~6 MiB more of xend resident than jackson-core does (bench/README.md,
 * the memory floor). The tree keeps the method names of Jackson's {@code JsonNode} ({@code path}, {@code asText},
 * {@code put}) and their meaning, so that code reads as it did.
 */
package org.vmhost.json;
