package org.vmhost.qemu;

/**
 * The accelerator probe's guest: a 64 KiB firmware image, booted with {@code -bios}, that does what an
 * ordinary kernel does first and what a broken KVM fails at. From the reset vector it leaves real
 * mode for protected mode, builds page tables, enters long mode with paging, computes a sum through
 * memory, and then runs a caller-chosen tail. It marks each stage on QEMU's debug console (port 0xe9):
 * {@code R} real mode, {@code P} protected mode, {@code L} long mode, {@code K} the check passed,
 * {@code F} it failed. Interrupts stay disabled throughout, so no IDT is needed.
 *
 * <p>Why machine code and not a kernel: it needs no guest image, boots in milliseconds under TCG, and
 * the nested KVM on the development machines hangs exactly at the mode switch it exercises (the stage
 * marks then say how far it got). Assembled with GNU as from the listing in the comments; the image is
 * mapped at 0xffff0000, so offset n runs at 0xffff0000 + n.
 */
final class AcceleratorProbeRom {
    static final int SIZE = 64 << 10;
    /** Where the tail goes; long mode jumps here after printing {@code K}. */
    static final int TAIL = 0x200;
    /** The debug-console port the stage marks go to ({@code -debugcon}). */
    static final int DEBUGCON_PORT = 0xe9;
    /** The isa-debug-exit port the probe tail writes to; QEMU then exits with status (0x10 << 1) | 1. */
    static final int EXIT_PORT = 0xf4;
    static final int EXIT_STATUS_OK = (0x10 << 1) | 1;
    /** Every stage mark of a run that passed. */
    static final String STAGES_OK = "RPLK";

    /** The probe's tail: exit QEMU through isa-debug-exit with {@link #EXIT_STATUS_OK}. */
    static final byte[] EXIT_TAIL = bytes(
            0xb0, 0x10,                                      // mov $0x10,%al
            0xe6, 0xf4,                                      // out %al,$0xf4     isa-debug-exit
            0xf4,                                            // 1: hlt
            0xeb, 0xfd);                                     // jmp 1b

    private static final byte[] BODY = bytes(
            // Real mode, CS base 0xffff0000 (the reset state).
            0xfa,                                            // 000: cli
            0xfc,                                            // 001: cld
            0xb0, 0x52,                                      // 002: mov $'R',%al
            0xe6, 0xe9,                                      // 004: out %al,$0xe9
            0xe4, 0x92,                                      // 006: in $0x92,%al      fast A20 on
            0x0c, 0x02,                                      // 008: or $0x2,%al
            0x24, 0xfe,                                      // 00a: and $0xfe,%al
            0xe6, 0x92,                                      // 00c: out %al,$0x92
            0x2e, 0x66, 0x0f, 0x01, 0x16, 0x08, 0x01,        // 00e: lgdtl %cs:0x108
            0x0f, 0x20, 0xc0,                                // 015: mov %cr0,%eax
            0x66, 0x83, 0xc8, 0x01,                          // 018: or $0x1,%eax      PE
            0x0f, 0x22, 0xc0,                                // 01c: mov %eax,%cr0
            0x66, 0xea, 0x27, 0x00, 0xff, 0xff, 0x08, 0x00,  // 01f: ljmpl $0x8,$0xffff0027
            // 32-bit protected mode.
            0x66, 0xb8, 0x10, 0x00,                          // 027: mov $0x10,%ax
            0x8e, 0xd8,                                      // 02b: mov %ax,%ds
            0x8e, 0xc0,                                      // 02d: mov %ax,%es
            0x8e, 0xd0,                                      // 02f: mov %ax,%ss
            0xbc, 0x00, 0x80, 0x00, 0x00,                    // 031: mov $0x8000,%esp
            0xb0, 0x50,                                      // 036: mov $'P',%al
            0xe6, 0xe9,                                      // 038: out %al,$0xe9
            0xbf, 0x00, 0x10, 0x00, 0x00,                    // 03a: mov $0x1000,%edi  clear 0x1000-0x4fff
            0x31, 0xc0,                                      // 03f: xor %eax,%eax
            0xb9, 0x00, 0x10, 0x00, 0x00,                    // 041: mov $0x1000,%ecx
            0xf3, 0xab,                                      // 046: rep stos %eax,%es:(%edi)
            0xc7, 0x05, 0x00, 0x10, 0x00, 0x00, 0x03, 0x20, 0x00, 0x00, // 048: movl $0x2003,0x1000 PML4[0] -> PDPT
            0xc7, 0x05, 0x00, 0x20, 0x00, 0x00, 0x03, 0x30, 0x00, 0x00, // 052: movl $0x3003,0x2000 PDPT[0] -> PD low
            0xc7, 0x05, 0x18, 0x20, 0x00, 0x00, 0x03, 0x40, 0x00, 0x00, // 05c: movl $0x4003,0x2018 PDPT[3] -> PD high
            0xc7, 0x05, 0x00, 0x30, 0x00, 0x00, 0x83, 0x00, 0x00, 0x00, // 066: movl $0x83,0x3000   2 MiB at 0
            0xc7, 0x05, 0xf8, 0x4f, 0x00, 0x00, 0x83, 0x00, 0xe0, 0xff, // 070: movl $0xffe00083,0x4ff8 2 MiB at 0xffe00000
            0x0f, 0x20, 0xe0,                                // 07a: mov %cr4,%eax
            0x83, 0xc8, 0x20,                                // 07d: or $0x20,%eax      PAE
            0x0f, 0x22, 0xe0,                                // 080: mov %eax,%cr4
            0xb8, 0x00, 0x10, 0x00, 0x00,                    // 083: mov $0x1000,%eax
            0x0f, 0x22, 0xd8,                                // 088: mov %eax,%cr3
            0xb9, 0x80, 0x00, 0x00, 0xc0,                    // 08b: mov $0xc0000080,%ecx  EFER
            0x0f, 0x32,                                      // 090: rdmsr
            0x0d, 0x00, 0x01, 0x00, 0x00,                    // 092: or $0x100,%eax     LME
            0x0f, 0x30,                                      // 097: wrmsr
            0x0f, 0x20, 0xc0,                                // 099: mov %cr0,%eax
            0x0d, 0x00, 0x00, 0x00, 0x80,                    // 09c: or $0x80000000,%eax PG
            0x0f, 0x22, 0xc0,                                // 0a1: mov %eax,%cr0
            0xea, 0xab, 0x00, 0xff, 0xff, 0x18, 0x00,        // 0a4: ljmp $0x18,$0xffff00ab
            // 64-bit long mode, paging on.
            0xb0, 0x4c,                                      // 0ab: mov $'L',%al
            0xe6, 0xe9,                                      // 0ad: out %al,$0xe9
            0x31, 0xc0,                                      // 0af: xor %eax,%eax
            0xb9, 0xe8, 0x03, 0x00, 0x00,                    // 0b1: mov $1000,%ecx
            0x48, 0x01, 0xc8,                                // 0b6: 1: add %rcx,%rax
            0xe2, 0xfb,                                      // 0b9: loop 1b
            0x48, 0x89, 0x04, 0x25, 0x00, 0x50, 0x00, 0x00,  // 0bb: mov %rax,0x5000
            0x48, 0x8b, 0x1c, 0x25, 0x00, 0x50, 0x00, 0x00,  // 0c3: mov 0x5000,%rbx
            0x48, 0x81, 0xfb, 0x14, 0xa3, 0x07, 0x00,        // 0cb: cmp $500500,%rbx
            0x75, 0x09,                                      // 0d2: jne fail
            0xb0, 0x4b,                                      // 0d4: mov $'K',%al
            0xe6, 0xe9,                                      // 0d6: out %al,$0xe9
            0xe9, 0x23, 0x01, 0x00, 0x00,                    // 0d8: jmp 0x200          the tail
            0xb0, 0x46,                                      // 0dd: fail: mov $'F',%al
            0xe6, 0xe9,                                      // 0df: out %al,$0xe9
            0xb0, 0x01,                                      // 0e1: mov $0x1,%al
            0xe6, 0xf4,                                      // 0e3: out %al,$0xf4      exit status 3
            0xf4,                                            // 0e5: 1: hlt
            0xeb, 0xfd);                                     // 0e6: jmp 1b

    private static final int GDT = 0xe8;
    private static final byte[] GDT_AND_DESCRIPTOR = bytes(
            0, 0, 0, 0, 0, 0, 0, 0,                          // 0e8: null
            0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xcf, 0x00,  // 0f0: 0x08 32-bit code, flat
            0xff, 0xff, 0x00, 0x00, 0x00, 0x92, 0xcf, 0x00,  // 0f8: 0x10 data, flat
            0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xaf, 0x00,  // 100: 0x18 64-bit code
            0x1f, 0x00, 0xe8, 0x00, 0xff, 0xff);             // 108: limit 31, base 0xffff00e8

    private static final int RESET_VECTOR = 0xfff0;
    private static final byte[] RESET_JUMP = bytes(0xe9, 0x0d, 0x00); // fff0: jmp 0x0000 (wraps in 16 bits)

    private AcceleratorProbeRom() {}

    /** The image with {@code tail} at {@link #TAIL}; the tail runs in long mode and must not return. */
    static byte[] build(byte[] tail) {
        if (tail.length == 0 || TAIL + tail.length > RESET_VECTOR) {
            throw new IllegalArgumentException("tail must be 1.." + (RESET_VECTOR - TAIL) + " bytes: " + tail.length);
        }
        byte[] rom = new byte[SIZE];
        System.arraycopy(BODY, 0, rom, 0, BODY.length);
        System.arraycopy(GDT_AND_DESCRIPTOR, 0, rom, GDT, GDT_AND_DESCRIPTOR.length);
        System.arraycopy(tail, 0, rom, TAIL, tail.length);
        System.arraycopy(RESET_JUMP, 0, rom, RESET_VECTOR, RESET_JUMP.length);
        return rom;
    }

    /** How far a run got, in words, from the stage marks it printed. */
    static String describe(String stages) {
        if (stages.contains("F")) return "guest reached long mode but computed a wrong result";
        if (stages.startsWith(STAGES_OK)) return "guest passed every stage";
        return switch (stages) {
            case "" -> "guest did not start (no output)";
            case "R" -> "guest reached real mode but not protected mode";
            case "RP" -> "guest reached protected mode but not long mode";
            case "RPL" -> "guest reached long mode but did not finish its check";
            default -> "guest printed unexpected stage marks '" + stages + "'";
        };
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }

    static {
        // The listing's offsets are the layout: a slip in the table above must fail loudly, not boot wrong.
        if (BODY.length != GDT) throw new AssertionError("probe ROM body is " + BODY.length + " bytes, not " + GDT);
    }
}
