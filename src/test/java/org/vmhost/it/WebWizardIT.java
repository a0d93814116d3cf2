package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmhost.it.XendInstance.IMAGES;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The web GUI's editing pages in Debian's Chromium against a real xend and a real QEMU guest: an administrator
 * logs in, makes a pv domain with the new-domain wizard (a new disk in xend's pool) and watches it boot; edits its
 * configuration text on the running domain (an error shown at its line, then a change marked for the next boot);
 * a viewer finds no control that changes anything and the server refuses the change anyway; and the domain is
 * deleted with its disk image. Screenshots stay in target/screenshots.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebWizardIT {
    static final String NAME = "wiz1";
    static WebHost host;
    static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        host = WebHost.start("");
        browser = Browser.start(host);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (browser != null) browser.close();
        } finally {
            if (host != null) host.close();
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

    private void next() {
        click("wizard-next");
    }

    /** Clicks an element, again if the page redrew it meanwhile (the domain page redraws on each of its events). */
    private void click(String test) {
        browser.await("a click on " + test, d -> {
            WebElement e = browser.find(test);
            if (e == null) return false;
            e.click();
            return true;
        });
    }

    @Test
    @Order(1)
    void theWizardMakesAPvDomainThatBootsWithANewDiskInThePool() throws Exception {
        browser.loginAsAdmin();
        browser.open("#/new");
        type("wizard-name", NAME);
        click("wizard-kind-pv");
        browser.screenshot("wizard-1-kind");
        next();
        type("wizard-kernel", IMAGES.resolve("vmlinuz").toString());
        type("wizard-ramdisk", IMAGES.resolve("initrd.img").toString());
        type("wizard-extra", "console=ttyS0 quiet");
        browser.screenshot("wizard-2-boot");
        next();
        assertThat(field("wizard-memory").getAttribute("value")).isEqualTo("256");
        assertThat(field("wizard-vcpus").getAttribute("value")).isEqualTo("1");
        next();
        click("wizard-disk-new");
        type("wizard-disk-size", "1");
        browser.screenshot("wizard-3-storage");
        next();
        String shown = field("wizard-config").getText();
        assertThat(shown).contains("name = \"wiz1\"", "type = \"pv\"", "memory = 256", "vcpus = 1",
                "kernel = \"" + IMAGES.resolve("vmlinuz") + "\"", "tap:qcow2:" + host.xend().home().resolve("images/wiz1-disk.qcow2") + ",xvda,w");
        browser.screenshot("wizard-4-review");
        click("wizard-create");

        browser.await("the new domain's page", d -> d.getCurrentUrl().endsWith("#/domain/" + NAME) ? browser.find("detail-state") : null);
        browser.await("wiz1 running", Duration.ofSeconds(60), d -> browser.find("detail-state").getText().matches("running|idle"));
        browser.screenshot("wizard-5-running");

        // A managed domain of ordinary xm text, as xm shows it; a real guest booted the kernel the wizard named.
        String list = host.xend().xm("list", "-l", NAME).requireSuccess().out();
        assertThat(list).contains("(name wiz1)").contains("(memory 256)").contains(IMAGES.resolve("vmlinuz").toString());
        Path disk = host.xend().home().resolve("images/wiz1-disk.qcow2");
        assertThat(disk).exists();
        String uuid = uuidOf(list);
        assertThat(uuid).as("the uuid in %s", list).isNotEmpty();
        XendInstance.await("the guest's ready line", Duration.ofSeconds(90),
                () -> readConsole(uuid).contains("vmhost-guest: ready"));
    }

    @Test
    @Order(2)
    void theConfigTextOfTheRunningDomainShowsAnErrorAtItsLineAndTakesAChangeForTheNextBoot() {
        browser.open("#/domain/" + NAME);
        WebElement text = field("config-text");
        String original = text.getAttribute("value");
        assertThat(original).contains("memory = 256");
        List<String> lines = List.of(original.split("\n"));
        int memoryLine = lines.indexOf("memory = 256") + 1;

        setText(original.replace("memory = 256", "memory = lots"));
        click("config-save");
        browser.await("the error at its line", d -> browser.find("config-error-line"));
        assertThat(browser.text("config-error-line")).isEqualTo(String.valueOf(memoryLine));
        assertThat(browser.text("config-error")).startsWith("Line " + memoryLine + ": wiz1.cfg:" + memoryLine);
        browser.screenshot("config-error-at-line");
        assertThat(host.xend().xm("list", "-l", NAME).requireSuccess().out()).contains("(memory 256)");

        setText(original.replace("memory = 256", "memory = 320"));
        click("config-save");
        browser.await("the next-boot mark", d -> browser.find("next-boot"));
        assertThat(browser.text("detail-memory")).isEqualTo("256 MiB"); // it runs as it was started
        assertThat(browser.text("detail-state")).matches("running|idle");
        browser.screenshot("config-next-boot");
    }

    @Test
    @Order(3)
    void aViewerSeesNoControlThatChangesAnythingAndTheServerRefusesAChangeAnyway() {
        browser.find("logout").click();
        browser.loginAsViewer();
        for (String page : List.of("#/domain/" + NAME, "#/new", "#/storage", "#/networks")) {
            browser.open(page);
            String drawn = Map.of("#/new", "[data-test=wizard-viewer]", "#/storage", "[data-test=image-table] table",
                    "#/networks", "[data-test=network-table] table").getOrDefault(page, "[data-test=disks] table");
            browser.await("the page " + page + " drawn", d -> !browser.all(drawn).isEmpty() && browser.find("config-text") == null
                    == !page.startsWith("#/domain"));
            assertThat(browser.all("[data-admin]")).as("controls that change something on %s", page).isEmpty();
            browser.screenshot("viewer-" + page.replaceAll("[^a-z]+", "-"));
        }
        browser.open("#/domain/" + NAME);
        assertThat(field("config-text").getAttribute("readonly")).isNotNull();

        Object answer = browser.driver() instanceof org.openqa.selenium.JavascriptExecutor js ? js.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                (async () => {
                  const token = localStorage.getItem('vmhost.csrfToken');
                  const r = await fetch('/api/v1/domains/wiz1/config', { method: 'PUT',
                    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
                    body: JSON.stringify({ sourceName: 'x.cfg', configText: 'name = "wiz1"\\ntype = "pv"\\nkernel = "/x"\\n' }) });
                  return r.status + ' ' + (await r.text());
                })().then(done, (e) => done('failed: ' + e));
                """) : null;
        assertThat(String.valueOf(answer)).startsWith("403 ").contains("UNAUTHORIZED").contains("viewer");
        assertThat(host.xend().xm("list", "-l", NAME).requireSuccess().out()).contains(IMAGES.resolve("vmlinuz").toString());
    }

    @Test
    @Order(4)
    void theDomainIsDeletedWithItsDiskImage() {
        browser.find("logout").click();
        browser.loginAsAdmin();
        browser.open("#/domain/" + NAME);
        click("action-destroy");
        click("confirm-ok");
        browser.await("wiz1 shut off", Duration.ofSeconds(30), d -> browser.find("detail-state").getText().equals("shut off"));
        // Shut off, it boots with the edit next: the definition is the edited one now.
        browser.await("the edited memory", d -> browser.find("detail-memory").getText().equals("320 MiB"));
        // The hardware editor on the shut-off domain: the change is its definition at once.
        type("hw-vcpus", "2");
        click("hw-save");
        browser.await("two vCPUs", d -> browser.find("detail-vcpus").getText().equals("2"));
        assertThat(host.xend().xm("list", "-l", NAME).requireSuccess().out()).contains("(vcpus 2)").contains("(memory 320)");
        browser.screenshot("hardware-saved");
        click("action-delete");
        click("ask-option");
        click("ask-ok");
        browser.await("the domain list", d -> d.getCurrentUrl().endsWith("#/domains"));
        assertThat(host.xend().xm("list", NAME).exit()).isNotZero();
        assertThat(host.xend().home().resolve("images/wiz1-disk.qcow2")).doesNotExist();
        assertThat(IMAGES.resolve("vmlinuz")).exists();
    }

    /** Replaces the textarea's text as a user's select-all and typing would. */
    private void setText(String text) {
        WebElement area = field("config-text");
        browser.script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'));", area, text);
        area.sendKeys(Keys.END);
    }

    private static String uuidOf(String sxp) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(uuid ([0-9a-f-]{36})\\)").matcher(sxp);
        return m.find() ? m.group(1) : "";
    }

    private static String readConsole(String uuid) {
        try {
            return host.xend().consoleLog(uuid);
        } catch (java.io.IOException e) {
            return "";
        }
    }


    @Test
    @Order(5)
    void theStoragePageCreatesClonesResizesAndDeletesImages() {
        browser.asAdmin();
        browser.open("#/storage");
        type("new-image-name", "st1.qcow2");
        type("new-image-size", "0.5");
        click("new-image-create");
        browser.await("the new image", d -> browser.find("image-st1.qcow2"));
        Path images = host.xend().home().resolve("images");
        assertThat(images.resolve("st1.qcow2")).exists();

        type("clone-name-st1.qcow2", "st2.qcow2");
        click("clone-linked-st1.qcow2");
        click("clone-st1.qcow2");
        browser.await("the linked clone", d -> browser.find("image-st2.qcow2"));
        assertThat(browser.text("image-st2.qcow2")).contains(images.resolve("st1.qcow2").toString());

        type("resize-size-st2.qcow2", "1");
        click("resize-st2.qcow2");
        browser.await("st2 at 1 GiB", d -> browser.find("image-st2.qcow2").getText().contains("1.0 GiB"));

        // The base of a linked clone stays: the refusal shows where the user clicked, and nothing changes.
        click("delete-st1.qcow2");
        click("confirm-ok");
        browser.await("the refusal", d -> browser.find("storage-error").getText().contains("backing image of linked clone"));
        assertThat(images.resolve("st1.qcow2")).exists();
        browser.screenshot("storage");

        click("delete-st2.qcow2");
        click("confirm-ok");
        browser.await("st2 gone", d -> browser.find("image-st2.qcow2") == null);
        click("delete-st1.qcow2");
        click("confirm-ok");
        browser.await("st1 gone", d -> browser.find("image-st1.qcow2") == null);
        assertThat(images.resolve("st1.qcow2")).doesNotExist();
        assertThat(images.resolve("st2.qcow2")).doesNotExist();
    }

    @Test
    @Order(6)
    void aConfigurationXendRefusesLeavesNeitherADomainNorAnImage() {
        browser.asAdmin();
        browser.open("#/new");
        type("wizard-name", "bad1");
        click("wizard-kind-pv");
        next();
        type("wizard-kernel", IMAGES.resolve("vmlinuz").toString());
        type("wizard-extra", "console=ttyS0 \"quoted\" \\");
        next();
        type("wizard-vcpus", "0");
        next();
        click("wizard-disk-new");
        next();
        click("wizard-create");

        String message = browser.await("xend's refusal", d -> {
            String text = browser.text("wizard-error");
            return text.startsWith("bad1.cfg:") ? text : null;
        });
        assertThat(message).contains("vcpus");
        assertThat(browser.find("wizard-error-line")).as("the refused line marked").isNotNull();
        browser.screenshot("wizard-refused");
        assertThat(host.xend().xm("list", "bad1").exit()).isNotZero();
        assertThat(host.xend().home().resolve("images/bad1-disk.qcow2")).doesNotExist();
    }
}
