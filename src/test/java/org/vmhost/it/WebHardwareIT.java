package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmhost.it.XendInstance.IMAGES;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The rest of the editing pages in Debian's Chromium, against a real xend that makes real bridges: the networks page
 * creates an isolated network (a bridge of this test's own name) that {@code xm net-list} shows; the wizard's two hvm
 * kinds, one importing a copy of the test guest's hvm disk (it boots through SeaBIOS to its readiness line) and one
 * installing from an ISO (defined, not booted: its text is what is checked); the hardware editor adds a disk and a
 * NIC on that network to the shut-off domain and saves the form, each kept in the stored configuration with the
 * wizard's comment; the network is then deleted from its page. Security: a change without the CSRF token and one
 * with a viewer's session are refused and change nothing. Boots one guest: run under the guest lock.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebHardwareIT {
    static final String SUFFIX = Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xefff));
    static final String NET = "wnet" + SUFFIX;
    static final String BRIDGE = "vmhwb" + SUFFIX;
    static final String WIZARD_COMMENT = "# made by the vmhost web GUI's new-domain wizard";
    static WebHost host;
    static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        host = WebHost.start("", true);
        browser = Browser.start(host);
        browser.loginAsAdmin();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (browser != null) browser.close();
        } finally {
            if (host != null) {
                XendInstance xend = host.xend();
                for (String d : new String[] {"whvm", "wiso"}) {
                    xend.xm("destroy", d);
                    xend.xm("delete", d);
                }
                xend.xm("net-delete", NET);
                host.close();
                assertThat(xend.qemuPids()).as("QEMU processes left behind").isEmpty();
            }
        }
    }

    private WebElement field(String test) {
        return browser.await("the field " + test, d -> browser.find(test));
    }

    private void type(String test, String text) {
        WebElement e = field(test);
        e.clear();
        e.sendKeys(text);
    }

    /** Clicks an element, again if the page redrew it meanwhile. */
    private void click(String test) {
        browser.await("a click on " + test, d -> {
            WebElement e = browser.find(test);
            if (e == null) return false;
            e.click();
            return true;
        });
    }

    private String netList() {
        return host.xend().xm("net-list").requireSuccess().out();
    }

    /** The stored configuration text, as the API gives it to the configuration page. */
    private String storedConfig(String name) {
        Map<String, Object> answer = browser.scriptAsync("""
                const r = await fetch('/api/v1/domains/' + args[0] + '/config',
                    {headers: {'X-CSRF-Token': localStorage.getItem('vmhost.csrfToken')}});
                return {status: r.status, body: await r.json()};""", name);
        assertThat(answer.get("status")).isEqualTo(200L);
        @SuppressWarnings("unchecked")
        Map<String, Object> body = (Map<String, Object>) answer.get("body");
        return (String) body.get("configText");
    }

    @Test
    @Order(1)
    void theNetworksPageCreatesAnIsolatedNetworkThatXmShows() {
        browser.open("#/networks");
        type("new-net-name", NET);
        new Select(field("new-net-type")).selectByValue("isolated");
        type("new-net-bridge", BRIDGE);
        click("new-net-create");
        assertThat(browser.text("net-" + NET)).contains("isolated").contains(BRIDGE);
        browser.screenshot("networks-created");
        assertThat(netList()).containsPattern(NET + "\\s+isolated\\s+" + BRIDGE);
    }

    @Test
    @Order(2)
    void aChangeWithoutTheCsrfTokenOrFromAViewerIsRefusedAndChangesNothing() throws Exception {
        Map<String, Object> noToken = browser.scriptAsync("""
                const r = await fetch('/api/v1/networks', {method: 'POST', headers: {'Content-Type': 'application/json'},
                    body: JSON.stringify({name: 'csrf' + args[0], type: 'isolated', bridge: 'vmhcs' + args[0]})});
                return {status: r.status, body: await r.text()};""", SUFFIX);
        assertThat(noToken.get("status")).isEqualTo(403L);
        assertThat((String) noToken.get("body")).containsIgnoringCase("csrf");
        // A GET of the same path only lists (and one with the fields as a query is refused, not read as a change).
        Map<String, Object> get = browser.scriptAsync("""
                const headers = {'X-CSRF-Token': localStorage.getItem('vmhost.csrfToken')};
                const plain = await fetch('/api/v1/networks', {headers});
                const r = await fetch('/api/v1/networks?name=get' + args[0] + '&type=isolated&bridge=vmhgt' + args[0], {headers});
                return {plain: plain.status, status: r.status};""", SUFFIX);
        assertThat(get.get("plain")).isEqualTo(200L);
        assertThat(get.get("status")).isEqualTo(400L);
        assertThat(netList()).doesNotContain("csrf" + SUFFIX).doesNotContain("get" + SUFFIX);

        try (Browser viewer = Browser.start(host)) {
            viewer.loginAsViewer();
            viewer.open("#/networks");
            viewer.await("the network's row", d -> viewer.find("net-" + NET));
            assertThat(viewer.all("[data-admin]")).as("controls that change something, for a viewer").isEmpty();
            Map<String, Object> refused = viewer.scriptAsync("""
                    const token = localStorage.getItem('vmhost.csrfToken');
                    const r = await fetch('/api/v1/networks/' + args[0], {method: 'DELETE', headers: {'X-CSRF-Token': token}});
                    return {status: r.status, body: await r.text()};""", NET);
            assertThat(refused.get("status")).isEqualTo(403L);
            assertThat((String) refused.get("body")).contains("viewer");
        }
        assertThat(netList()).contains(NET);
    }

    @Test
    @Order(3)
    void theWizardImportsTheHvmDiskAndTheDomainBootsThroughItsFirmware() throws Exception {
        Path disk = host.xend().home().resolve("images/whvm.raw");
        Files.copy(IMAGES.resolve("hvm-disk.raw"), disk);
        browser.open("#/new");
        type("wizard-name", "whvm");
        click("wizard-kind-hvm-import");
        click("wizard-next");
        type("wizard-import", disk.toString());
        browser.screenshot("wizard-hvm-import");
        click("wizard-next");
        click("wizard-next");
        click("wizard-next");
        String shown = field("wizard-config").getText();
        assertThat(shown).contains("name = \"whvm\"", "builder = \"hvm\"", "file:" + disk + ",hda,w", "boot = \"c\"");
        click("wizard-create");

        browser.await("whvm's page", d -> d.getCurrentUrl().endsWith("#/domain/whvm") ? browser.find("detail-state") : null);
        browser.await("whvm running", Duration.ofSeconds(60), d -> browser.find("detail-state").getText().matches("running|idle"));
        String list = host.xend().xm("list", "-l", "whvm").requireSuccess().out();
        assertThat(list).contains("(name whvm)").contains(disk.toString()).containsIgnoringCase("hvm");
        String uuid = list.replaceAll("(?s).*\\(uuid ([0-9a-f-]{36})\\).*", "$1");
        XendInstance.await("the hvm guest's readiness line", Duration.ofSeconds(120), () -> {
            try {
                return host.xend().consoleLog(uuid).contains("vmhost-guest: ready");
            } catch (java.io.IOException e) {
                return false;
            }
        });
        browser.screenshot("wizard-hvm-running");
        host.xend().xm("destroy", "whvm").requireSuccess();
    }

    @Test
    @Order(4)
    void theWizardDefinesAnHvmDomainInstallingFromAnIso() throws Exception {
        Path content = Files.createDirectories(host.xend().home().resolve("iso-content"));
        Files.writeString(content.resolve("README.TXT"), "a test medium\n");
        Path iso = host.xend().home().resolve("images/winstall.iso");
        new ProcessBuilder("genisoimage", "-quiet", "-V", "WTEST", "-o", iso.toString(), content.toString())
                .redirectErrorStream(true).start().waitFor();
        assertThat(iso).exists();
        browser.open("#/new");
        type("wizard-name", "wiso");
        click("wizard-kind-hvm-iso");
        click("wizard-next");
        type("wizard-iso", iso.toString());
        click("wizard-next");
        click("wizard-next");
        click("wizard-disk-none");
        browser.await("the network " + NET + " offered", d -> browser.find("wizard-net-" + NET));
        click("wizard-next");
        String shown = field("wizard-config").getText();
        assertThat(shown).contains(WIZARD_COMMENT, "builder = \"hvm\"", "file:" + iso + ",hdc:cdrom,r", "boot = \"dc\"")
                .doesNotContain("vif");
        click("wizard-start"); // define only: nothing here needs it to run
        browser.screenshot("wizard-hvm-iso-review");
        click("wizard-create");
        browser.await("wiso's page", d -> d.getCurrentUrl().endsWith("#/domain/wiso") ? browser.find("detail-state") : null);
        assertThat(browser.text("detail-state")).isEqualTo("shut off");
        String list = host.xend().xm("list", "-l", "wiso").requireSuccess().out();
        assertThat(list).contains("(name wiso)").contains(iso.toString()).contains("cdrom");
        assertThat(host.xend().qemuPids()).as("nothing started").isEmpty();
    }

    @Test
    @Order(5)
    void theHardwareEditorAddsADiskAndANicAndSavesTheFormKeepingTheComments() {
        host.xend().xm("image-create", "wdata.img", "16M").requireSuccess();
        Path data = host.xend().home().resolve("images/wdata.img");
        browser.open("#/domain/wiso");
        browser.await("the disks", d -> browser.find("disk-hdc"));

        type("disk-backend", "file:" + data);
        type("disk-vdev", "hdb");
        click("disk-attach");
        browser.await("the new disk's row", d -> browser.find("disk-hdb"));
        assertThat(browser.text("disk-uname-hdb")).isEqualTo("file:" + data);

        new Select(field("nic-network")).selectByValue(BRIDGE);
        new Select(field("nic-model")).selectByValue("e1000");
        click("nic-add");
        browser.await("the new NIC's row", d -> browser.find("nic-0"));
        assertThat(browser.text("nic-0")).contains("bridge=" + BRIDGE).contains("model=e1000");

        type("hw-memory", "320");
        click("hw-save");
        browser.await("320 MiB", d -> browser.find("detail-memory").getText().equals("320 MiB"));
        browser.screenshot("hardware-disk-nic");

        String stored = storedConfig("wiso");
        assertThat(stored).as("the stored text").startsWith(WIZARD_COMMENT).contains("memory = 320")
                .contains("file:" + data + ",hdb,w").contains("hdc:cdrom").containsPattern("vif = \\[ \"bridge=" + BRIDGE + ",model=e1000\" \\]");
        String list = host.xend().xm("list", "-l", "wiso").requireSuccess().out();
        assertThat(list).contains("(memory 320)").contains(data.toString()).contains(BRIDGE);
        // xm block-list numbers devices as Xen does: hdb is 832, hdc 5632
        assertThat(host.xend().xm("block-list", "wiso").requireSuccess().out()).contains("832 ").contains("5632 ");
    }

    @Test
    @Order(6)
    void theNetworksPageDeletesTheNetwork() {
        host.xend().xm("delete", "wiso").requireSuccess();
        host.xend().xm("delete", "whvm"); // there when the hvm boot test ran
        browser.open("#/networks");
        click("net-delete-" + NET);
        click("confirm-ok");
        browser.await("the network's row to go", d -> browser.find("net-" + NET) == null);
        assertThat(netList()).doesNotContain(NET);
    }
}
