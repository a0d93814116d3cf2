package org.vmhost.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * bin/xm and bin/xend as a user's shell starts them: under any locale, through a symbolic link or a relative
 * path, and {@code xend start}: what it says of its daemon, which it waits for on a pipe. The launchers avoid forks where they can (a
 * locale whose name says UTF-8 is taken at its word, the script's path is resolved only when it is a link);
 * these are the cases that shortcut must not break. No guest is booted.
 */
class LauncherIT {
    private static final Path BIN = XendInstance.PROJECT.resolve("bin");

    private Path scratch;

    /** What one command printed, its output read as UTF-8 bytes (what a UTF-8 terminal shows). */
    record Run(int exit, String out, String err, Duration took) {
    }

    @BeforeEach
    void scratch() throws IOException {
        scratch = Files.createTempDirectory(Path.of("/tmp"), "vmh-launch-");
        Files.writeString(scratch.resolve("cafe.cfg"), "name = \"vm-café\"\nmemory = 64\nkernel = \"/boot/vmlinuz-none\"\n");
    }

    @AfterEach
    void cleanUp() throws IOException {
        run(List.of(BIN.resolve("xend").toString(), "stop"), Map.of(), BIN);
        try (var walk = Files.walk(scratch)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /**
     * Locales as users set them ("" for none at all): a non-ASCII name read from a file and one given as an argument
     * both come out in UTF-8, not as 'vm-caf?' (the JVM decodes its arguments and encodes its output by the locale).
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "LC_ALL=C", "LANG=C.UTF-8", "LC_CTYPE=C.utf8", "LC_ALL=POSIX LANG=C.UTF-8", "LANG=fr_FR.ISO-8859-1"})
    void xmPrintsANonAsciiNameInUtf8UnderAnyLocale(String locale) {
        Map<String, String> env = new java.util.HashMap<>();
        for (String setting : locale.split(" ")) {
            if (!setting.isEmpty()) env.put(setting.substring(0, setting.indexOf('=')), setting.substring(setting.indexOf('=') + 1));
        }
        Path file = scratch.resolve("cafe.cfg");
        Run r = run(List.of(BIN.resolve("xm").toString(), "create", "-n", file.toString()), env, scratch);
        assertThat(r.exit()).as("exit; stderr: %s", r.err()).isZero();
        assertThat(r.out()).contains("(name 'vm-café')");
        Run renamed = run(List.of(BIN.resolve("xm").toString(), "create", "-n", file.toString(), "name=vm-né"), env, scratch);
        assertThat(renamed.exit()).as("exit; stderr: %s", renamed.err()).isZero();
        assertThat(renamed.out()).contains("(name 'vm-né')");
    }

    @Test
    void xmRunsThroughASymbolicLinkAndFromARelativePath() throws IOException {
        Path link = Files.createSymbolicLink(scratch.resolve("xm"), BIN.resolve("xm"));
        Run viaLink = run(List.of(link.toString(), "create", "-n", "cafe.cfg"), Map.of(), scratch);
        assertThat(viaLink.exit()).as("exit; stderr: %s", viaLink.err()).isZero();
        assertThat(viaLink.out()).contains("(name 'vm-café')");

        Run relative = run(List.of("./xm", "create", "-n", scratch.resolve("cafe.cfg").toString()), Map.of(), BIN);
        assertThat(relative.exit()).as("exit; stderr: %s", relative.err()).isZero();
        assertThat(relative.out()).contains("(name 'vm-café')");
    }

    /**
     * The daemon runs detached from the shell that started it, which waits on a pipe for its word: a daemon that
     * cannot listen (its port taken) closes it by dying, and is reported with its own words, at once rather than
     * after the 60 s start timeout.
     */
    @Test
    void xendStartReportsADaemonThatDiesAtOnce() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Run r = run(List.of(BIN.resolve("xend").toString(), "start", "--listen", "127.0.0.1", "--port",
                    Integer.toString(taken.getLocalPort())), Map.of(), BIN);
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).contains("Error: xend did not start; see " + scratch.resolve("log/xend.log"))
                    .contains("Address already in use");
            assertThat(r.took()).as("time to report the dead daemon").isLessThan(Duration.ofSeconds(30));
        }
        assertThat(Files.exists(scratch.resolve("run/xend.sock"))).as("API socket left behind").isFalse();
        var started = java.util.regex.Pattern.compile("starting, pid (\\d+)").matcher(Files.readString(scratch.resolve("log/xend.log")));
        assertThat(started.find()).as("xend.log names the daemon's pid").isTrue();
        assertThat(alive(Long.parseLong(started.group(1)))).as("the daemon that could not listen is still alive").isFalse();
    }

    /**
     * 'xend start' waits on a pipe for the daemon's word rather than being a JVM of its own. Run again, it says which
     * xend runs and leaves it alone: the second daemon stops before it opens the first one's log. {@code restart}
     * goes through XendMain, which parses its options, and comes back to the same start.
     */
    @Test
    void xendStartSaysWhatBecameOfTheDaemon() throws IOException {
        Run first = xend("start", "--no-tcp");
        assertThat(first.exit()).as("exit; stderr: %s", first.err()).isZero();
        var started = java.util.regex.Pattern.compile("xend started \\(pid (\\d+), home (.+)\\)").matcher(first.out().strip());
        assertThat(started.matches()).as("output: %s", first.out()).isTrue();
        assertThat(started.group(2)).isEqualTo(scratch.toString());
        String pid = started.group(1);
        assertThat(Files.readString(scratch.resolve("run/xend.pid")).strip()).isEqualTo(pid);

        Run again = xend("start", "--port=8000", "--no-tcp");
        assertThat(again.exit()).as("exit; stderr: %s", again.err()).isZero();
        assertThat(again.out().strip()).isEqualTo("xend is already running (pid " + pid + ")");
        assertThat(alive(Long.parseLong(pid))).isTrue();
        assertThat(Files.readString(scratch.resolve("log/xend.log")).split("starting, pid", -1))
                .as("daemons that wrote xend.log").hasSize(2);
        assertThat(scratch.resolve("log/xend.log.1")).as("a second log, opened beside the first").doesNotExist();

        Run restarted = xend("restart", "--no-tcp");
        assertThat(restarted.exit()).as("exit; stderr: %s", restarted.err()).isZero();
        assertThat(restarted.out()).contains("xend stopped").containsPattern("xend started \\(pid (?!" + pid + "\\b)\\d+, home ");
        assertThat(xend("status").exit()).isZero();
    }

    /**
     * ^C while 'xend start' waits: the shell and its wait end at once, and the daemon, in a session of its own, still
     * comes up whole: it tells a pipe no one reads any more without waiting for a reader, answers, and stops as it
     * should.
     */
    @Test
    void anInterruptedXendStartLeavesAWholeDaemon() throws Exception {
        // In a process group of its own, as a terminal's foreground job is, so that ^C (SIGINT to the group) reaches
        // the shell and whatever it waits on, and not this test.
        ProcessBuilder pb = new ProcessBuilder("setsid", BIN.resolve("xend").toString(), "start", "--no-tcp").directory(scratch.toFile());
        pb.environment().put("VMHOST_HOME", scratch.toString());
        pb.environment().remove("VMHOST_JAVA_OPTS");
        Path said = scratch.resolve("start.out");
        Process starting = pb.redirectErrorStream(true).redirectOutput(said.toFile()).start();
        Instant deadline = Instant.now().plusSeconds(30);
        boolean waiting = false;
        while (!waiting && Instant.now().isBefore(deadline)) {
            waiting = starting.descendants().anyMatch(h -> h.info().command().orElse("").endsWith("/timeout"));
            if (!waiting) Thread.sleep(5);
        }
        assertThat(waiting).as("the shell waits for the daemon's word").isTrue();
        assertThat(new ProcessBuilder("kill", "-INT", "--", "-" + starting.pid()).start().waitFor()).isZero();
        assertThat(starting.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("the shell ended by ^C").isTrue();
        assertThat(Files.readString(said)).as("what the interrupted start said").doesNotContain("xend started");

        Run list = run(List.of(BIN.resolve("xm").toString(), "list"), Map.of(), scratch);
        while (list.exit() != 0 && Instant.now().isBefore(deadline.plusSeconds(30))) {
            Thread.sleep(100);
            list = run(List.of(BIN.resolve("xm").toString(), "list"), Map.of(), scratch);
        }
        assertThat(list.exit()).as("xm list; stderr: %s", list.err()).isZero();
        assertThat(list.out()).contains("Domain-0");
        Path log = scratch.resolve("log/xend.log");
        while (!Files.readString(log).contains("xend start told: ready") && Instant.now().isBefore(deadline.plusSeconds(30))) {
            Thread.sleep(100);
        }
        assertThat(Files.readString(log)).as("the daemon's word, told to no one").contains("xend start told: ready");
        assertThat(xend("stop").exit()).isZero();
        assertThat(Files.readString(log)).as("xend's own end, from its shutdown hook").contains("xend stopped");
        assertThat(starting.descendants().filter(ProcessHandle::isAlive).toList()).as("the wait's processes").isEmpty();
    }

    /**
     * 'xend start' in the forms the shell knows starts one JVM, the daemon itself, with the pipe's descriptor as a
     * property and the options as given, and says what the daemon told it. The daemon holds none of the caller's
     * other files (a caller's lock or pipe would otherwise stay open for as long as the daemon runs). A stand-in JDK
     * records how it was run and answers as the daemon does.
     */
    @Test
    void xendStartRunsTheDaemonAloneAndGivesItNoneOfTheCallersFiles() throws IOException {
        Path top = checkoutWithoutCache();
        Path calls = scratch.resolve("java-calls.txt");
        Path held = scratch.resolve("daemon-files.txt");
        Path callers = Files.writeString(scratch.resolve("callers-file"), "");
        Path jdk = Files.createDirectories(scratch.resolve("jdk25/bin"));
        Files.writeString(scratch.resolve("jdk25/release"), "JAVA_VERSION=\"25.0.3\"\n");
        Path java = Files.writeString(jdk.resolve("java"), "#!/bin/sh\n"
                + "echo \"$$ $*\" >> '" + calls + "'\n"
                + "for fd in /proc/$$/fd/*; do readlink \"$fd\"; done > '" + held + "'\n"
                + "case \"$*\" in *-Dvmhost.readyFd=3\\ *) echo \"ready $$ $VMHOST_HOME\" >&3 ;; esac\n");
        java.toFile().setExecutable(true);
        // The caller holds its file open on a low descriptor and on one above 9, as bash's {var}> gives.
        Run r = run(List.of("/bin/bash", "-c", "exec 7>>\"$1\" {high}>>\"$1\"; exec \"$2\" start --port 0 --no-tcp", "caller",
                callers.toString(), top.resolve("bin/xend").toString()), Map.of("LANG", "C.UTF-8", "VMHOST_JAVA", java.toString()), scratch);
        assertThat(r.exit()).as("exit; stderr: %s", r.err()).isZero();
        List<String> started = Files.readAllLines(calls);
        assertThat(started).as("the JVMs started").singleElement().asString()
                .contains("-Dvmhost.readyFd=3 ").endsWith("org.vmhost.daemon.XendMain run --port 0 --no-tcp");
        String daemonPid = started.get(0).substring(0, started.get(0).indexOf(' '));
        assertThat(r.out().strip()).as("what the user is told")
                .isEqualTo("xend started (pid " + daemonPid + ", home " + scratch + ")");
        assertThat(Files.readAllLines(held)).as("the daemon's open files").doesNotContain(callers.toString())
                .contains(scratch.resolve("log/xend.out").toString());
    }

    private Run xend(String... args) {
        List<String> cmd = new ArrayList<>(List.of(BIN.resolve("xend").toString()));
        cmd.addAll(List.of(args));
        return run(cmd, Map.of(), scratch);
    }

    /** Alive and not a zombie: a dead daemon's parent, the shell, has exited, and PID 1 may never reap it. */
    private static boolean alive(long pid) throws IOException {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (!Files.exists(stat)) return false;
        String s = Files.readString(stat);
        return !s.substring(s.lastIndexOf(')') + 1).strip().startsWith("Z");
    }

    /**
     * The start-up cache goes to the JVM only while vmhost.jar is not newer than it: JDK 25 would otherwise run the
     * cache's copies of classes the rebuilt jar has changed; a plain {@code xm list} gets its own cache, the other
     * subcommands the shared one. A copy of the launchers and the jar, with a cache directory whose "JVM" records the
     * options it was given.
     */
    @Test
    void aStartUpCacheOlderThanTheJarIsNotUsed() throws IOException {
        Path top = checkoutWithoutCache();
        Path jar = top.resolve("target/vmhost.jar");
        Path args = scratch.resolve("jvm-args.txt");
        Path jvm = Files.writeString(scratch.resolve("recording-java"), "#!/bin/sh\necho \"$@\" > '" + args + "'\n");
        jvm.toFile().setExecutable(true);
        Path cds = Files.createDirectories(top.resolve("target/cds"));
        Files.writeString(cds.resolve("XmMain.aot"), "");
        Files.writeString(cds.resolve("XmList.aot"), "");
        Files.writeString(cds.resolve("java"), jvm + "\n");
        java.nio.file.attribute.FileTime trained = Files.getLastModifiedTime(cds.resolve("java"));
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(trained.toMillis() - 60_000));

        // 'xm list' with nothing but domain names has a cache of its own (it runs without picocli); every other
        // subcommand, and 'xm list' with an option or an @file, shares XmMain's.
        for (List<String> sub : List.of(List.of("list"), List.of("list", "web1", "db"))) {
            Run plain = run(xm(top, sub), Map.of("LANG", "C.UTF-8"), scratch);
            assertThat(plain.exit()).as(plain.err()).isZero();
            assertThat(Files.readString(args)).contains("-XX:AOTCache=" + cds.resolve("XmList.aot"),
                    "org.vmhost.cli.XmMain " + String.join(" ", sub));
        }
        for (List<String> sub : List.of(List.of("info"), List.of("list", "-l"), List.of("list", "web1", "--state=running"),
                List.of("list", "@names"))) {
            Run other = run(xm(top, sub), Map.of("LANG", "C.UTF-8"), scratch);
            assertThat(other.exit()).as(other.err()).isZero();
            assertThat(Files.readString(args)).contains("-XX:AOTCache=" + cds.resolve("XmMain.aot"),
                    "org.vmhost.cli.XmMain " + String.join(" ", sub));
        }

        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(trained.toMillis() + 60_000)); // rebuilt
        for (String sub : List.of("list", "info")) {
            Run rebuilt = run(xm(top, List.of(sub)), Map.of("LANG", "C.UTF-8"), scratch);
            assertThat(rebuilt.exit()).as(rebuilt.err()).isZero();
            assertThat(Files.readString(args)).contains("org.vmhost.cli.XmMain " + sub).doesNotContain("AOTCache");
        }
    }

    /**
     * Without a build's cache naming the JVM, the launcher takes a JDK's version from its release file and starts
     * only the JVM that runs xm; a JDK too old by its release file is passed over unrun; a java with no release file
     * beside it is asked its version, as before.
     */
    @Test
    void theJavaVersionIsReadFromTheJdksReleaseFileAndAskedOnlyWhenThereIsNone() throws IOException {
        Path top = checkoutWithoutCache();
        Path calls = scratch.resolve("java-calls.txt");
        // Each stand-in JVM records how it was run; asked for its settings, it answers as a JDK 25 would.
        java.util.function.BiFunction<String, String, Path> jdk = (name, release) -> {
            try {
                Path bin = Files.createDirectories(scratch.resolve(name).resolve("bin"));
                if (release != null) Files.writeString(scratch.resolve(name).resolve("release"), release);
                Path java = Files.writeString(bin.resolve("java"), "#!/bin/sh\necho \"" + name + " $*\" >> '" + calls + "'\n"
                        + "case \"$*\" in *-XshowSettings*) echo '    java.specification.version = 25' >&2 ;; esac\n");
                java.toFile().setExecutable(true);
                return java;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        Path withRelease = jdk.apply("jdk25", "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"25.0.3\"\n");
        Path bare = jdk.apply("bare", null);
        Path old = jdk.apply("jdk17", "JAVA_VERSION=\"17.0.15\"\n");

        Run r = run(xm(top, List.of("list")), Map.of("LANG", "C.UTF-8", "VMHOST_JAVA", withRelease.toString()), scratch);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readAllLines(calls)).as("the JVMs started").singleElement().asString()
                .startsWith("jdk25 ").contains("org.vmhost.cli.XmMain list").doesNotContain("-XshowSettings");

        Files.delete(calls);
        r = run(xm(top, List.of("list")), Map.of("LANG", "C.UTF-8", "VMHOST_JAVA", bare.toString()), scratch);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readAllLines(calls)).as("the JVMs started").hasSize(2)
                .anySatisfy(l -> assertThat(l).startsWith("bare ").contains("-XshowSettings"))
                .anySatisfy(l -> assertThat(l).startsWith("bare ").contains("org.vmhost.cli.XmMain list"));

        Files.delete(calls);
        r = run(xm(top, List.of("list")), Map.of("LANG", "C.UTF-8", "VMHOST_JAVA", old.toString(),
                "JAVA_HOME", withRelease.getParent().getParent().toString()), scratch);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readAllLines(calls)).as("the JVMs started: JDK 17's release file is enough to pass it over")
                .singleElement().asString().startsWith("jdk25 ").contains("org.vmhost.cli.XmMain list");
    }

    /** A copy of this checkout's launchers and jar, with no start-up cache: the launcher must find a JVM itself. */
    private Path checkoutWithoutCache() throws IOException {
        Path top = scratch.resolve("checkout");
        Files.createDirectories(top.resolve("bin"));
        for (String f : List.of("xm", "xend", "vmhost-java")) {
            Files.copy(BIN.resolve(f), top.resolve("bin").resolve(f), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
        Files.copy(XendInstance.PROJECT.resolve("target/vmhost.jar"), Files.createDirectories(top.resolve("target")).resolve("vmhost.jar"));
        Files.createSymbolicLink(top.resolve("target/lib"), XendInstance.PROJECT.resolve("target/lib"));
        return top;
    }

    private static List<String> xm(Path top, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(top.resolve("bin/xm").toString()));
        cmd.addAll(args);
        return cmd;
    }

    /** Runs a command with VMHOST_HOME in the scratch directory and no locale but the one given. */
    private Run run(List<String> cmd, Map<String, String> locale, Path dir) {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd)).directory(dir.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_") || k.equals("VMHOST_JAVA") || k.equals("VMHOST_JAVA_OPTS"));
        env.putAll(locale);
        env.put("VMHOST_HOME", scratch.toString());
        Instant start = Instant.now();
        XendInstance.Result r = XendInstance.run(pb, scratch, Duration.ofSeconds(90));
        return new Run(r.exit(), r.out(), r.err(), Duration.between(start, Instant.now()));
    }
}
