/**
 * xend's API: the HTTP/JSON server in front of {@link org.vmhost.domain.DomainService} and the client xm
 * uses to reach it. Both are thin: the server parses a request, calls one service method and writes its
 * answer; the client does the reverse. Neither knows anything of QEMU or the store.
 *
 * <ul>
 *   <li>{@link org.vmhost.api.ApiServer} listens on a UNIX socket (0600, or 0660 with {@code unix_sock_group})
 *       and on TCP (127.0.0.1:8000 by default, HTTPS beyond loopback; {@link org.vmhost.api.ApiSettings}). The
 *       route table is {@code Routes}: one line per route, versioned under {@code /api/v1}.</li>
 *   <li>{@code AccessRule} decides who may do what (docs/security.md): SO_PEERCRED on the socket; over TCP the
 *       Host and Origin checks, then a bearer token ({@code TokenFile}, {@code ApiTokens}) or a PAM login's
 *       session cookie with its CSRF token ({@code PamLogin}, {@code Sessions}), then the {@link
 *       org.vmhost.api.Role}. {@code ApiHandler}, on Jetty's own handlers, runs it before it routes each request
 *       and, for WebSocket upgrades, before it makes the socket. {@code AccessRoutes} serves the login and the
 *       tokens; {@code EventStream} the events WebSocket.</li>
 *   <li>{@link org.vmhost.api.ApiClient} is a {@code DomainService} that sends each call over the UNIX socket
 *       and turns an error body back into the {@link org.vmhost.error.VmhostException} xend threw. The bodies of
 *       its most used calls (the domain list, a domain, an error; a create) are read and written with jackson-core's
 *       streaming API alone ({@code LeanAnswers}, {@code LeanRequests}), the rest with {@code Json}, on {@link
 *       org.vmhost.json.JsonBinding}: a short-lived xm then reflects on no record.</li>
 *   <li>Request bodies are records in {@code RequestBody} (creating a domain and acting on one are
 *       different types) and unknown fields are refused; {@code Failures} is the one place where an
 *       exception becomes the error body {@code {"error":{"code":…,"message":…}}}.</li>
 * </ul>
 *
 * <p>docs/api/openapi.yaml describes every route and body, and the tests check each response against it;
 * docs/api/README.md explains the choices, including the client's start-up measurements.
 *
 * <p>A WebSocket route is added to {@code ApiServer}'s list of {@code ApiHandler.SocketRoute}s; {@code
 * AccessRule.checkUpgrade} already checks it, and {@code ADMIN_READS} names the paths only administrators may open (consoles).
 */
package org.vmhost.api;
