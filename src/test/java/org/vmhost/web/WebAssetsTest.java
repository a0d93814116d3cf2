package org.vmhost.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The GUI's files, read from the jar once each; a name that is no file is never remembered. */
class WebAssetsTest {
    @Test
    void aFileFoundIsKeptAndANameThatIsNoFileIsNot() {
        WebAssets web = WebAssets.fromClasspath();

        assertThat(web.find("/app.js")).hasValueSatisfying(a -> assertThat(a.contentType()).startsWith("text/javascript"));
        assertThat(web.find("/app.js")).isPresent();
        for (int i = 0; i < 1000; i++) assertThat(web.find("/no-such-file-" + i + ".js")).isEmpty();

        assertThat(web.cached()).isEqualTo(1);
    }

    @Test
    void aPathThatIsNotPlainFindsNothing() {
        WebAssets web = WebAssets.fromClasspath();

        assertThat(web.find("/../pom.xml")).isEmpty();
        assertThat(web.find("/pages/../app.js")).isEmpty();
        assertThat(web.find("/app.js%00")).isEmpty();
        assertThat(web.cached()).isZero();
    }
}
