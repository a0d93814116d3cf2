package org.vmhost.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Tiny guests for supervision tests: the accelerator probe's firmware with a different long-mode tail
 * (no guest image needed, boots in milliseconds under TCG), and the QEMU launch around it, shaped like
 * the one {@link QemuCommandLine} builds: QMP and console on UNIX sockets, console history in a file,
 * {@code -S} so nothing runs before the test listens.
 */
final class TestGuest {
    /** Halts forever with interrupts off: a guest that just sits there. */
    static final byte[] IDLE = bytes(
            0xf4,                                            // 1: hlt
            0xeb, 0xfd);                                     // jmp 1b

    /** Tells QEMU's pvpanic device (ISA port 0x505) that the guest panicked, as Linux's driver does. */
    static final byte[] PANIC = bytes(
            0x66, 0xba, 0x05, 0x05,                          // mov $0x505,%dx
            0xb0, 0x01,                                      // mov $1,%al          PVPANIC_PANICKED
            0xee,                                            // out %al,(%dx)
            0xf4,                                            // 1: hlt
            0xeb, 0xfd);                                     // jmp 1b

    /** Triple-faults (empty IDT, then ud2): a reset, as a guest reboot looks to QEMU. */
    static final byte[] RESET = bytes(
            0x6a, 0x00,                                      // push $0
            0x6a, 0x00,                                      // push $0
            0x0f, 0x01, 0x1c, 0x24,                          // lidt (%rsp)         limit 0
            0x0f, 0x0b);                                     // ud2

    /**
     * Powers off through ACPI as a kernel does, without a BIOS to set up the PIIX4 power management:
     * I/O base 0x600 (PCI 00:01.3 reg 0x40), enable it (reg 0x80), then SLP_EN with S5 into PM1a_CNT.
     */
    static final byte[] POWEROFF = bytes(
            0x66, 0xba, 0xf8, 0x0c,                          // mov $0xcf8,%dx
            0xb8, 0x40, 0x0b, 0x00, 0x80,                    // mov $0x80000b40,%eax
            0xef,                                            // out %eax,(%dx)
            0x66, 0xba, 0xfc, 0x0c,                          // mov $0xcfc,%dx
            0xb8, 0x01, 0x06, 0x00, 0x00,                    // mov $0x601,%eax     PMBA 0x600
            0xef,                                            // out %eax,(%dx)
            0x66, 0xba, 0xf8, 0x0c,                          // mov $0xcf8,%dx
            0xb8, 0x80, 0x0b, 0x00, 0x80,                    // mov $0x80000b80,%eax
            0xef,                                            // out %eax,(%dx)
            0x66, 0xba, 0xfc, 0x0c,                          // mov $0xcfc,%dx
            0xb0, 0x01,                                      // mov $1,%al          PMREGMISC: I/O on
            0xee,                                            // out %al,(%dx)
            0x66, 0xba, 0x04, 0x06,                          // mov $0x604,%dx      PM1a_CNT
            0x66, 0xb8, 0x00, 0x20,                          // mov $0x2000,%ax     SLP_EN, SLP_TYP 0
            0x66, 0xef,                                      // out %ax,(%dx)
            0xf4,                                            // 1: hlt
            0xeb, 0xfd);                                     // jmp 1b

    private TestGuest() {}

    /** A launch of {@code tail}'s guest with files in {@code dir} and {@code extra} QEMU options. */
    static QemuLaunch launch(Path dir, byte[] tail, String... extra) throws IOException {
        Path rom = dir.resolve("guest.rom");
        Files.write(rom, AcceleratorProbeRom.build(tail));
        Path qmp = dir.resolve("qmp.sock");
        Path console = dir.resolve("console.sock");
        Path serialLog = dir.resolve("serial.log");
        List<String> argv = new ArrayList<>(List.of(
                "qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none",
                "-machine", "pc", "-accel", "tcg", "-m", "16", "-bios", rom.toString(), "-S",
                "-chardev", "socket,id=qmp,path=" + qmp + ",server=on,wait=off",
                "-mon", "chardev=qmp,mode=control",
                "-chardev", "socket,id=serial0,path=" + console + ",server=on,wait=off,logfile=" + serialLog + ",logappend=on",
                "-serial", "chardev:serial0"));
        argv.addAll(List.of(extra));
        return new QemuLaunch(argv, qmp, serialLog, dir.resolve("qemu.log"), List.of(console));
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }
}
