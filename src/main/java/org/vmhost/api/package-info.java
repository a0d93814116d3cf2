/**
 * xend's API: the HTTP/JSON server in front of {@link org.vmhost.domain.DomainService} and the client xm
 * uses to reach it. Both are thin: the server parses a request, calls one service method and writes its
 * answer; the client does the reverse. Neither knows anything of QEMU or the store.
 *
 * <ul>
 *   <li>{@link org.vmhost.api.ApiServer} listens on a UNIX socket (mode 0600, trusted) and on TCP
 *       (127.0.0.1:8000 by default, {@link org.vmhost.api.ApiSettings}), where only GETs are free and every
 *       change needs the bearer token from the token file. The route table is {@code Routes}: one line per
 *       route, versioned under {@code /api/v1}.</li>
 *   <li>{@link org.vmhost.api.ApiClient} is a {@code DomainService} that sends each call over the UNIX socket
 *       and turns an error body back into the {@link org.vmhost.error.VmhostException} xend threw.</li>
 *   <li>Request bodies are records in {@code RequestBody} (creating a domain and acting on one are
 *       different types) and unknown fields are refused; {@code Failures} is the one place where an
 *       exception becomes the error body {@code {"error":{"code":…,"message":…}}}.</li>
 * </ul>
 *
 * <p>docs/api/openapi.yaml describes every route and body, and the tests check each response against it;
 * docs/api/README.md explains the choices, including the client's start-up measurements.
 *
 * <p>Room is left for a console at {@code /api/v1/domains/{ref}/console}: Javalin serves WebSockets on the
 * same connectors ({@code config.routes.ws(...)}), and {@code AccessRule} already treats a GET that asks
 * for an upgrade as a change, so on TCP it will need the token.
 */
package org.vmhost.api;
