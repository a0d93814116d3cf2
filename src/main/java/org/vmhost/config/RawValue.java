package org.vmhost.config;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One value as the file wrote it, before it means anything: a quoted string, an unquoted number (kept as its
 * text, as libxlutil keeps it) or a list of values. Each knows where it starts, for messages.
 */
public sealed interface RawValue {

    /** 1-based line where the value starts. */
    int line();

    /** 1-based column where the value starts. */
    int column();

    /** A quoted string, escapes already resolved. */
    record Str(String value, int line, int column) implements RawValue {
        public Str {
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * An unquoted number, kept as written ({@code 1024}, {@code 0x400}, {@code 0400}). xl's lexer takes any run
     * of digits, lower-case hex letters and {@code x} as a number; whether it is a valid one is decided when a
     * setting needs it, as xl does.
     */
    record Num(String text, int line, int column) implements RawValue {
        public Num {
            Objects.requireNonNull(text, "text");
        }

        /** The value, read as C's {@code strtol(text, 0)} reads it; empty if the text is not a valid number. */
        public OptionalLong value() {
            return parseInteger(text);
        }
    }

    /** A list of values, possibly nested. */
    record ListValue(List<RawValue> items, int line, int column) implements RawValue {
        public ListValue {
            items = List.copyOf(items);
        }
    }

    /**
     * Reads an integer as libxlutil does ({@code strtol} with base 0): leading blanks, an optional sign, then
     * decimal, {@code 0x} hex or leading-{@code 0} octal, and nothing after it.
     */
    static OptionalLong parseInteger(String text) {
        int i = 0;
        int n = text.length();
        while (i < n && " \t\n\r\f\u000b".indexOf(text.charAt(i)) >= 0) i++;
        boolean negative = false;
        if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            negative = text.charAt(i) == '-';
            i++;
        }
        int radix = 10;
        if (i + 1 < n && text.charAt(i) == '0' && (text.charAt(i + 1) == 'x' || text.charAt(i + 1) == 'X')) {
            radix = 16;
            i += 2;
        } else if (i < n && text.charAt(i) == '0') {
            radix = 8;
        }
        if (i == n) return OptionalLong.empty();
        long value = 0;
        for (; i < n; i++) {
            int digit = Character.digit(text.charAt(i), radix);
            if (digit < 0 || text.charAt(i) > 'z') return OptionalLong.empty();
            try {
                value = Math.addExact(Math.multiplyExact(value, radix), digit);
            } catch (ArithmeticException overflow) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.of(negative ? -value : value);
    }
}
