package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmhost.it.XendInstance.IMAGES;

import java.io.IOException;
import java.nio.file.Files;
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
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;

/**
 * The consoles in Debian's Chromium: a pv guest's serial console in xterm.js (typed into, answered, across a
 * reboot), an hvm guest's graphical console in noVNC (pixels that change as it boots, keys that reach its VGA
 * shell as scancodes, the send-key menu), with a VNC password that xend answers and the browser never sees,
 * and a viewer who gets no console. Screenshots in target/screenshots.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebConsoleIT {
    static final String VNC_PASSWORD = "Vnc-s3cr";
    static WebHost host;
    static Browser browser;

    @BeforeAll
    static void start() throws IOException {
        host = WebHost.start("");
        XendInstance xend = host.xend();
        xend.xm("new", xend.config("wcpv.cfg", XendLifecycleIT.pvConfig("wcpv", "")).toString()).requireSuccess();
        xend.xm("start", "wcpv").requireSuccess();
        Path disk = xend.home().resolve("wchvm.raw");
        Files.copy(IMAGES.resolve("hvm-disk.raw"), disk);
        xend.xm("new", xend.config("wchvm.cfg", """
                builder = 'hvm'
                name = 'wchvm'
                memory = 256
                disk = [ 'file:%s,hda,w' ]
                vif = [ ]
                boot = 'c'
                vncpasswd = '%s'
                """.formatted(disk, VNC_PASSWORD)).toString()).requireSuccess();
        xend.xm("start", "wchvm").requireSuccess();
        browser = Browser.start(host);
        browser.loginAsAdmin();
    }

    @AfterAll
    static void stop() throws IOException {
        try {
            if (browser != null) browser.close();
        } finally {
            if (host != null) {
                host.close();
                assertThat(host.xend().qemuPids()).as("QEMU processes left behind").isEmpty();
            }
        }
    }

    /** The text the serial page's terminal holds, scrollback included. */
    static String terminalText() {
        Object text = browser.script("""
                const t = document.querySelector('[data-test=serial-terminal]')?.vmhostTerminal;
                if (!t) return '';
                const b = t.buffer.active, lines = [];
                for (let i = 0; i < b.length; i++) lines.push(b.getLine(i).translateToString(true));
                return lines.join('\\n');""");
        return String.valueOf(text);
    }

    static void awaitTerminal(String what, Duration timeout) {
        browser.await("'" + what + "' on the serial console", timeout, d -> terminalText().contains(what));
    }

    static void awaitConnected() {
        browser.await("the console to connect", Duration.ofSeconds(30),
                d -> {
                    WebElement status = browser.find("console-status");
                    return status != null && "connected".equals(status.getAttribute("data-state"));
                });
    }

    static void typeIntoTerminal(String text) {
        browser.driver().findElement(By.cssSelector("[data-test=serial-terminal] .xterm-helper-textarea")).sendKeys(text);
    }

    static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) n++;
        return n;
    }

    @Test
    @Order(1)
    void aCommandTypedIntoAPvGuestsSerialConsoleIsAnswered() {
        browser.open("#/domain/wcpv/serial");
        awaitConnected();
        // the history xm console shows: the boot, even though the page came after it
        awaitTerminal("vmhost-guest: ready", Duration.ofSeconds(90));
        assertThat(terminalText()).contains("vmhost-guest: kernel");

        typeIntoTerminal("echo web-$((6*7))\n");
        awaitTerminal("web-42", Duration.ofSeconds(20));
        browser.screenshot("serial-pv-answered");
    }

    @Test
    @Order(2)
    void theSerialConsoleCarriesOnAcrossAGuestReboot() {
        browser.open("#/domain/wcpv/serial");
        awaitConnected();
        awaitTerminal("web-42", Duration.ofSeconds(20));
        int boots = count(terminalText(), "vmhost-guest: ready");

        host.xend().xm("reboot", "wcpv").requireSuccess();
        browser.await("the rebooted guest's readiness line", Duration.ofSeconds(120),
                d -> count(terminalText(), "vmhost-guest: ready") > boots);
        awaitConnected();
        typeIntoTerminal("echo after-$((7*7))\n");
        awaitTerminal("after-49", Duration.ofSeconds(30));
        browser.screenshot("serial-pv-after-reboot");
        System.out.println("serial console connections across the reboot: "
                + browser.find("serial-terminal").getAttribute("data-connects"));
    }

    /** A digest of the noVNC canvas's pixels. */
    static String screenPixels() {
        Object digest = browser.script("""
                const c = document.querySelector('[data-test=vnc-screen] canvas');
                if (!c || c.width === 0) return '';
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let h = 0;
                for (let i = 0; i < d.length; i += 4) h = (h * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) | 0;
                return c.width + 'x' + c.height + ':' + h;""");
        return String.valueOf(digest);
    }

    static void awaitPixelsChange(String what, Duration timeout) {
        String before = screenPixels();
        browser.await(what, timeout, d -> {
            String now = screenPixels();
            return !now.isEmpty() && !now.endsWith(":0") && !now.equals(before);
        });
    }

    static void typeOnScreen(CharSequence... keys) {
        browser.driver().findElement(By.cssSelector("[data-test=vnc-screen] canvas")).sendKeys(keys);
    }

    @Test
    @Order(3)
    void anHvmGuestsGraphicalConsoleShowsItsScreenChanging() throws Exception {
        browser.open("#/domain/wchvm/vnc");
        awaitConnected();
        awaitPixelsChange("the hvm guest's screen to change", Duration.ofSeconds(60));
        browser.screenshot("vnc-hvm-booting");
        try (XmConsole serial = XmConsole.open(host.xend(), "wchvm")) {
            serial.awaitText("vmhost-guest: ready", Duration.ofSeconds(180));
        }
        browser.screenshot("vnc-hvm-ready");
    }

    @Test
    @Order(4)
    void keysTypedOnTheGraphicalConsoleReachTheGuestsVgaShell() throws Exception {
        browser.open("#/domain/wchvm/vnc");
        awaitConnected();
        try (XmConsole serial = XmConsole.open(host.xend(), "wchvm")) {
            serial.awaitText("vmhost-guest: ready", Duration.ofSeconds(180));
            Thread.sleep(1000); // the VGA shell starts after the readiness line
            typeOnScreen("\n");
            typeOnScreen("echo vnc-$((6*7)) >/dev/ttyS0\n");
            serial.awaitText("vnc-42", Duration.ofSeconds(30));
        }
        browser.screenshot("vnc-hvm-typed");
    }

    /**
     * The key a German keyboard labels Z (KeyboardEvent code KeyY, key "z") goes to QEMU as the scancode of that
     * key, not as the keysym z: the guest, whose layout is the kernel's US default, types y, which is what a US
     * layout puts on that key, so a guest set to German types z. Sent through Chrome's DevTools protocol, which
     * lets a test give a key event a code and a key of different layouts, as a German keyboard does.
     */
    @Test
    @Order(5)
    void aKeyReachesTheGuestAsItsScancodeSoTheGuestsLayoutDecides() throws Exception {
        browser.open("#/domain/wchvm/vnc");
        awaitConnected();
        try (XmConsole serial = XmConsole.open(host.xend(), "wchvm")) {
            serial.awaitText("vmhost-guest: ready", Duration.ofSeconds(180));
            typeOnScreen("echo layout-");
            ChromeDriver chrome = (ChromeDriver) browser.driver();
            for (String type : new String[] {"keyDown", "keyUp"}) {
                chrome.executeCdpCommand("Input.dispatchKeyEvent", Map.of("type", type, "key", "z", "code", "KeyY",
                        "text", type.equals("keyDown") ? "z" : "", "windowsVirtualKeyCode", 89, "nativeVirtualKeyCode", 89));
            }
            typeOnScreen("-end >/dev/ttyS0\n");
            serial.awaitText("layout-y-end", Duration.ofSeconds(30));
            assertThat(serial.text()).doesNotContain("layout-z-end");
        }
    }

    @Test
    @Order(6)
    void theSendKeyMenuSwitchesTheGuestsVirtualTerminal() throws Exception {
        browser.open("#/domain/wchvm/vnc");
        awaitConnected();
        Thread.sleep(1000); // let the screen settle after the connect
        String tty1 = screenPixels();
        new Select(browser.find("vnc-sendkey")).selectByVisibleText("Ctrl+Alt+F2");
        browser.await("the screen of tty2", Duration.ofSeconds(20), d -> !screenPixels().equals(tty1));
        browser.screenshot("vnc-hvm-ctrl-alt-f2");
        new Select(browser.find("vnc-sendkey")).selectByVisibleText("Ctrl+Alt+F1");
        browser.await("the screen of tty1 again", Duration.ofSeconds(20), d -> screenPixels().equals(tty1));
    }

    @Test
    @Order(7)
    void theGraphicalConsoleCarriesOnAcrossAGuestReboot() throws Exception {
        browser.open("#/domain/wchvm/vnc");
        awaitConnected();
        try (XmConsole serial = XmConsole.open(host.xend(), "wchvm")) {
            serial.awaitText("vmhost-guest: ready", Duration.ofSeconds(180));
        }
        host.xend().xm("reboot", "wchvm").requireSuccess();
        // the new boot draws on the screen (SeaBIOS, then the boot loader)
        awaitPixelsChange("the screen of the rebooting guest", Duration.ofSeconds(120));
        try (XmConsole serial = XmConsole.open(host.xend(), "wchvm")) {
            browser.await("the second boot's readiness", Duration.ofSeconds(180),
                    d -> count(serial.text(), "vmhost-guest: ready") >= 2);
            awaitConnected();
            Thread.sleep(1000);
            typeOnScreen("\n");
            typeOnScreen("echo again-$((8*8)) >/dev/ttyS0\n");
            serial.awaitText("again-64", Duration.ofSeconds(30));
        }
        browser.screenshot("vnc-hvm-after-reboot");
        System.out.println("graphical console connections across the reboot: "
                + browser.find("vnc-screen").getAttribute("data-connects"));
    }

    /** From now on, every state the console's status line takes is kept in the page, for {@link #consoleStates}. */
    static void recordConsoleStates() {
        browser.script("""
                window.consoleStates = [];
                new MutationObserver(changes => changes.filter(c => c.target.dataset.test === 'console-status')
                        .forEach(c => window.consoleStates.push(c.target.dataset.state)))
                    .observe(document.body, {subtree: true, attributes: true, attributeFilter: ['data-state']});
                """);
    }

    /** The states recorded since {@link #recordConsoleStates}, oldest first. */
    static List<String> consoleStates() {
        List<String> states = browser.script("return window.consoleStates || [];");
        return states;
    }

    static String status() {
        WebElement status = browser.find("console-status");
        return status == null ? "" : status.getAttribute("data-state") + ": " + status.getText();
    }

    @Test
    @Order(8)
    void theSerialConsoleReconnectsByItselfWhenTheDomainStartsAgain() throws Exception {
        browser.open("#/domain/wcpv/serial");
        awaitConnected();
        awaitTerminal("after-49", Duration.ofSeconds(20));
        String connects = browser.find("serial-terminal").getAttribute("data-connects");
        int boots = count(terminalText(), "vmhost-guest: ready");

        host.xend().xm("destroy", "wcpv").requireSuccess();
        browser.await("the page to say it reconnects, and why", Duration.ofSeconds(20),
                d -> status().startsWith("reconnecting: ") && status().contains("not running"));
        browser.screenshot("serial-pv-reconnecting");
        // while it retries (pauses of 0.5 s, 1 s, 2 s ...), the last screen stays
        Thread.sleep(2000);
        assertThat(status()).matches("(re)?connecting: .*");
        assertThat(terminalText()).contains("after-49");
        host.xend().xm("start", "wcpv").requireSuccess();
        browser.await("a new connection", Duration.ofSeconds(60),
                d -> !connects.equals(browser.find("serial-terminal").getAttribute("data-connects")));
        awaitConnected();
        browser.await("the new boot's readiness line", Duration.ofSeconds(90),
                d -> count(terminalText(), "vmhost-guest: ready") > boots);
        typeIntoTerminal("echo restarted-$((5*5))\n");
        awaitTerminal("restarted-25", Duration.ofSeconds(30));
        // the history's terminal queries were not answered again into the new shell
        assertThat(terminalText()).doesNotContain("not found");
        browser.screenshot("serial-pv-reconnected");
    }

    /**
     * xend restarts under an open console page. The login session outlives the restart (sessions.json), so the
     * page reconnects by itself, with no new login, and shows the history the new xend serves.
     */
    @Test
    @Order(9)
    void theConsolesComeBackAfterAnXendRestart() throws Exception {
        browser.open("#/domain/wcpv/serial");
        awaitConnected();
        typeIntoTerminal("echo pre-restart-$((3*3))\n");
        awaitTerminal("pre-restart-9", Duration.ofSeconds(30));

        String port = host.url().substring(host.url().lastIndexOf(':') + 1);
        recordConsoleStates();
        host.xend().xend("restart", "--port", port).requireSuccess();
        // The page may have noticed and reconnected before 'xend restart' returns (xend is up in half a second and
        // the page retries after 0.5 s), so what it went through is read from the states it recorded.
        browser.await("the page to notice xend went away", Duration.ofSeconds(30),
                d -> consoleStates().contains("reconnecting") || browser.find("login-form") != null);
        browser.screenshot("serial-pv-xend-restarting");
        browser.await("a console again, or the login", Duration.ofSeconds(60),
                d -> status().startsWith("connected") || browser.find("login-form") != null);
        assertThat(browser.find("login-form")).as("a login asked for after the xend restart").isNull();
        assertThat(browser.find("serial-terminal")).as("the console page, still open").isNotNull();
        awaitTerminal("pre-restart-9", Duration.ofSeconds(30)); // the history, from the new xend
        typeIntoTerminal("echo post-restart-$((4*4))\n");
        awaitTerminal("post-restart-16", Duration.ofSeconds(30));
        assertThat(terminalText()).doesNotContain("not found");
        browser.screenshot("serial-pv-after-xend-restart");

        browser.open("#/domain/wchvm/vnc");
        awaitConnected();
        browser.await("the hvm guest's screen", Duration.ofSeconds(30), d -> !screenPixels().isEmpty());
        try (XmConsole serial = XmConsole.open(host.xend(), "wchvm")) {
            typeOnScreen("\n");
            typeOnScreen("echo vnc-after-restart >/dev/ttyS0\n");
            serial.awaitText("vnc-after-restart", Duration.ofSeconds(30));
        }
        browser.screenshot("vnc-hvm-after-xend-restart");
    }

    @Test
    @Order(10)
    void theGraphicalConsoleReconnectsByItselfWhenTheDomainStartsAgain() {
        browser.open("#/domain/wchvm/vnc");
        awaitConnected();
        String connects = browser.find("vnc-screen").getAttribute("data-connects");

        host.xend().xm("destroy", "wchvm").requireSuccess();
        browser.await("the page to say it reconnects, and why", Duration.ofSeconds(20),
                d -> status().startsWith("reconnecting: ") && status().contains("not running"));
        browser.screenshot("vnc-hvm-reconnecting");
        host.xend().xm("start", "wchvm").requireSuccess();
        browser.await("a new connection to the new QEMU's display", Duration.ofSeconds(60),
                d -> !connects.equals(browser.find("vnc-screen").getAttribute("data-connects")));
        awaitConnected();
        awaitPixelsChange("the new boot on the screen", Duration.ofSeconds(60));
        browser.screenshot("vnc-hvm-reconnected");
    }

    @Test
    @Order(11)
    void theVncPasswordReachesTheBrowserInNoAnswer() {
        String answers = String.valueOf(((org.openqa.selenium.JavascriptExecutor) browser.driver()).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                Promise.all(['/api/v1/domains/wchvm', '/api/v1/domains/wchvm/vnc', '/api/v1/domains']
                    .map(u => fetch(u, {headers: {'X-CSRF-Token': localStorage.getItem('vmhost.csrfToken')}}).then(r => r.text())))
                    .then(t => done(t.join('\\n')), e => done(String(e)));"""));
        assertThat(answers).contains("wchvm").doesNotContain(VNC_PASSWORD).doesNotContain("UNAUTHENTICATED");
    }

    @Test
    @Order(12)
    void aViewerGetsNoConsoleAndXendRefusesTheViewersWebSocket() throws Exception {
        try (Browser viewer = Browser.start(host)) {
            viewer.loginAsViewer();
            for (String page : new String[] {"serial", "vnc"}) {
                viewer.open("#/domain/wcpv/" + page);
                viewer.await("the viewer's notice", d -> viewer.find("console-refused"));
                assertThat(viewer.all("[data-admin]")).isEmpty();
                assertThat(viewer.all("[data-test=serial-terminal], [data-test=vnc-screen]")).isEmpty();
            }
            viewer.screenshot("console-viewer-refused");
            // the page shows no console, and xend would not give one: the viewer's own WebSocket, with its session's
            // token, is refused
            for (String kind : new String[] {"console", "vnc"}) {
                Object opened = ((org.openqa.selenium.JavascriptExecutor) viewer.driver()).executeAsyncScript("""
                        const done = arguments[arguments.length - 1];
                        const token = encodeURIComponent(localStorage.getItem('vmhost.csrfToken'));
                        const ws = new WebSocket(`ws://${location.host}/api/v1/domains/wcpv/${arguments[0]}/ws?csrf=${token}`);
                        ws.binaryType = 'arraybuffer';
                        let got = 0;
                        ws.onmessage = () => got++;
                        ws.onopen = () => setTimeout(() => { ws.close(); done('opened, ' + got + ' messages'); }, 1000);
                        ws.onclose = () => done('refused, ' + got + ' messages');""", kind);
                assertThat(opened).as(kind).isEqualTo("refused, 0 messages");
            }
        }
        // The same script in the administrator's page opens the serial console: the viewer was refused for its role.
        Object admin = ((org.openqa.selenium.JavascriptExecutor) browser.driver()).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const token = encodeURIComponent(localStorage.getItem('vmhost.csrfToken'));
                const ws = new WebSocket(`ws://${location.host}/api/v1/domains/wcpv/console/ws?csrf=${token}`);
                ws.onopen = () => { ws.close(); done('opened'); };
                ws.onclose = () => done('refused');""");
        assertThat(admin).isEqualTo("opened");
    }
}
