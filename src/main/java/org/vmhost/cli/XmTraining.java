package org.vmhost.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The training run of xm's start-up cache (setup/build.sh): the commands an administrator runs most, in one JVM,
 * so that the classes each needs are in the cache. Trained on {@code xm list -l} alone, the cache held none of what
 * the commands answered through the data binding of the time (Jackson's) need: they loaded ~500 classes from the jars and took twice
 * as long as {@code xm list}. Runs against the xend at {@code VMHOST_HOME}, which must know the domain {@code args[0]}
 * and the configuration file {@code args[1]}; output is discarded. Not part of xm.
 */
public final class XmTraining {
    private XmTraining() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: XmTraining DOMAIN CONFIG-FILE");
            System.exit(2);
        }
        XmMain.quickStart(); // as xm itself starts, so that the cache holds what xm loads
        String domain = args[0];
        String scratch = "xm-training-" + ProcessHandle.current().pid();
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        XmContext context = new XmContext(discard, discard, System.getenv(), Path.of("").toAbsolutePath());
        List<String[]> runs = List.of(
                new String[] {"list"}, new String[] {"list", "-l"}, new String[] {"list", domain},
                new String[] {"info"}, new String[] {"uptime"}, new String[] {"domid", domain},
                new String[] {"vcpu-list"}, new String[] {"sched-credit"}, new String[] {"block-list", domain},
                new String[] {"network-list", domain}, new String[] {"net-list"}, new String[] {"image-list"},
                new String[] {"log"}, new String[] {"dmesg"},
                new String[] {"top", "-b", "-i", "1", "-d", "0.1"},
                new String[] {"new", args[1], "name=" + scratch}, new String[] {"delete", scratch},
                new String[] {"help"}, new String[] {"help", "create"});
        int failed = 0;
        for (String[] run : runs) failed += expect(context, 0, run);
        failed += expect(context, XmMain.EXIT_USAGE, "no-such-command"); // a typo: picocli's error and suggestions
        System.exit(failed == 0 ? 0 : 1);
    }

    /** Runs one xm command; 1 if it did not exit as expected (said on stderr), else 0. */
    private static int expect(XmContext context, int expected, String... run) {
        int status = XmMain.run(context, run);
        if (status == expected) return 0;
        System.err.println("xm training: 'xm " + String.join(" ", run) + "' exited " + status + ", not " + expected);
        return 1;
    }
}
