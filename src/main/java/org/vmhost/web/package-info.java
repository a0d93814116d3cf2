/**
 * The web Virtual Machine Manager's files: the browser pages of {@code src/main/web} and the npm libraries they
 * use, packaged into the jar under {@code /web} and served by xend at {@code /} on its TCP listener. This package
 * only finds a file and says how to send it; who may fetch it is decided with the API's other routes (the login
 * page and what it loads are open, everything else needs a login), and the pages do everything through the API.
 */
package org.vmhost.web;
