package org.vmhost.it;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, driven through chromedriver, on the web GUI of a {@link WebHost}: logs in
 * through the real login form, opens pages by their hash route, waits with messages that show the page when a
 * wait fails, and keeps screenshots in {@code target/screenshots} (test artifacts). {@link #close()} always
 * quits Chromium and chromedriver.
 *
 * <pre>{@code
 * try (WebHost host = WebHost.start(""); Browser b = Browser.start(host)) {
 *     b.loginAsAdmin();
 *     b.open("#/domains");
 *     b.await("the row of web1", d -> b.find("row-web1"));
 *     b.screenshot("domain-list");
 * }
 * }</pre>
 */
public final class Browser implements AutoCloseable {
    public static final Path SCREENSHOTS = XendInstance.PROJECT.resolve("target/screenshots");
    public static final Duration WAIT = Duration.ofSeconds(20);

    private final WebHost host;
    private final ChromeDriver driver;
    private final Path profile;

    private Browser(WebHost host, ChromeDriver driver, Path profile) {
        this.host = host;
        this.driver = driver;
        this.profile = profile;
    }

    /** Starts Chromium (1400×900) and opens the GUI's start page. */
    public static Browser start(WebHost host) throws IOException {
        Path profile = Files.createTempDirectory(Path.of("/tmp"), "vmh-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable", "--window-size=1400,900",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        ChromeDriver driver;
        try {
            driver = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            service.stop();
            deleteTree(profile);
            throw e;
        }
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        Browser b = new Browser(host, driver, profile);
        driver.get(host.url() + "/");
        return b;
    }

    public WebDriver driver() {
        return driver;
    }

    public void loginAsAdmin() {
        login(host.admin(), WebHost.PASSWORD);
        await("the shell after the administrator's login", d -> find("user").getText().contains("(admin)"));
    }

    /** Logs in as the administrator unless this browser already is: a test that runs alone gets its session too. */
    public void asAdmin() {
        open("#/domains");
        String who = await("the shell or the login page", d -> {
            WebElement user = find("user");
            if (user != null && !user.getText().isBlank()) return user.getText();
            return script("return document.querySelector('#page[data-page=login]')") != null ? "nobody" : null;
        });
        if (!who.contains("(admin)")) loginAsAdmin();
    }

    public void loginAsViewer() {
        login(host.viewer(), WebHost.PASSWORD);
        await("the shell after the viewer's login", d -> find("user").getText().contains("(viewer)"));
    }

    /** Fills the login form and submits it; does not wait for the outcome. */
    public void login(String user, String password) {
        open("#/login");
        WebElement form = await("the login form", d -> script("return document.querySelector('#page[data-page=login] form')"));
        WebElement u = form.findElement(By.cssSelector("[data-test=login-user]"));
        WebElement p = form.findElement(By.cssSelector("[data-test=login-password]"));
        u.clear();
        u.sendKeys(user);
        p.clear();
        p.sendKeys(password);
        form.findElement(By.cssSelector("[data-test=login-submit]")).click();
    }

    /** Goes to a hash route ({@code #/domains}) without reloading the page, as a click on a link would. */
    public void open(String hash) {
        if (!driver.getCurrentUrl().startsWith(host.url() + "/")) driver.get(host.url() + "/" + hash);
        else script("location.hash = arguments[0]", hash);
    }

    /** Reloads the page, e.g. to measure a first paint. */
    public void reload(String hash) {
        driver.get(host.url() + "/" + hash);
    }

    /** The element with {@code data-test="NAME"}, or null if there is none. */
    public WebElement find(String dataTest) {
        List<WebElement> all = driver.findElements(By.cssSelector("[data-test=\"" + dataTest + "\"]"));
        return all.isEmpty() ? null : all.get(0);
    }

    /**
     * The visible text of the element with {@code data-test="NAME"}, found anew if the page redraws it while it is
     * read (the event stream redraws lists at any moment); waits for the element to exist.
     */
    public String text(String dataTest) {
        return await("the text of " + dataTest, d -> {
            WebElement e = find(dataTest);
            return e == null ? null : e.getText();
        });
    }

    /** All elements matching a CSS selector. */
    public List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    @SuppressWarnings("unchecked")
    public <T> T script(String js, Object... args) {
        return (T) ((JavascriptExecutor) driver).executeScript(js, args);
    }

    /** Runs an async function body ({@code return await ...}) in the page and gives its result. */
    @SuppressWarnings("unchecked")
    public <T> T scriptAsync(String body, Object... args) {
        return (T) ((JavascriptExecutor) driver).executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "(async (...args) => {" + body + "})(...Array.from(arguments).slice(0, -1))"
                + ".then(done, e => done({error: String(e)}));", args);
    }

    /**
     * Waits up to {@link #WAIT} for {@code condition} to give a non-null, non-false value. On time-out, a
     * screenshot {@code failed-WHAT.png} is kept and the error shows the page's text.
     */
    public <T> T await(String what, Function<WebDriver, T> condition) {
        return await(what, WAIT, condition);
    }

    public <T> T await(String what, Duration timeout, Function<WebDriver, T> condition) {
        try {
            return new WebDriverWait(driver, timeout, Duration.ofMillis(50))
                    .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                    .until(condition::apply);
        } catch (TimeoutException e) {
            Path shot = screenshot("failed-" + what.replaceAll("[^A-Za-z0-9]+", "-"));
            throw new AssertionError("timed out after " + timeout + " waiting for " + what + " at " + driver.getCurrentUrl()
                    + " (screenshot " + shot + "); the page shows:\n" + pageText(), e);
        }
    }

    /** The page's visible text, for messages. */
    public String pageText() {
        try {
            return driver.findElement(By.tagName("body")).getText();
        } catch (RuntimeException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** Saves the page as {@code target/screenshots/NAME.png}. */
    public Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path to = SCREENSHOTS.resolve(name + ".png");
            Files.write(to, driver.getScreenshotAs(OutputType.BYTES)); // FILE's copy in /tmp outlives a killed JVM
            return to;
        } catch (IOException | RuntimeException e) {
            return Path.of("(no screenshot: " + e.getMessage() + ")");
        }
    }

    @Override
    public void close() {
        try {
            driver.quit(); // stops chromedriver too
        } finally {
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // a profile left in /tmp holds nothing of value
        }
    }
}
