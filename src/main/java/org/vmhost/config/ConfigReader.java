package org.vmhost.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads the configuration language into {@link RawConfig}: xl's grammar, which replaced the Python that xm
 * executed and reads nearly every real xm file.
 *
 * <pre>
 *   file       = { [ assignment ] ( NEWLINE | ';' ) } [ assignment ]
 *   assignment = KEY ( '=' | '+=' ) value
 *   value      = STRING | NUMBER | '[' { NEWLINE } [ value { ',' { NEWLINE } value } [ ',' ] ] { NEWLINE } ']'
 *   KEY        = [a-z][._0-9a-z]*          NUMBER = [0-9][0-9a-fx]*   (kept as text, as xl keeps it)
 *   STRING     = '…' or "…" with the escapes \" \' \\ \a \b \f \n \r \t \v
 * </pre>
 * (Newlines may also stand between a list's values and the commas after them.)
 *
 * <p>Where vmhost differs from libxlutil 4.17, it is on purpose: CR LF and lone CR end lines as they did for
 * xm (xl refuses them); a comment may end the file without a newline (xl refuses that); numeric escapes
 * ({@code \x41}, {@code \101}), which xl rejects or silently drops, are errors.
 */
public final class ConfigReader {

    /** Lists nested deeper than this are refused, so that no input can exhaust the stack. */
    static final int MAX_DEPTH = 64;

    private static final Set<String> PYTHON_KEYWORDS = Set.of(
            "and", "as", "assert", "break", "class", "continue", "def", "del", "elif", "else", "except", "exec",
            "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "not", "or", "pass",
            "print", "raise", "return", "try", "while", "with", "yield");

    private ConfigReader() {
    }

    /**
     * Reads a whole file.
     *
     * @param source the name used in messages, usually the file's path
     * @param text   the file's text
     * @throws ConfigSyntaxException at the first error, naming its line and column
     */
    public static RawConfig read(String source, String text) throws ConfigSyntaxException {
        RawConfig.Builder settings = new RawConfig.Builder(source);
        new Parser(source, text).file(settings);
        return settings.build();
    }

    /**
     * Where each setting of a text is: its key, whether it appends ({@code +=}), and the characters from its key
     * to the end of its value ({@code [start, end)}, a comment after it excluded). Fails as {@link #read} does.
     */
    static List<Span> spans(String source, String text) throws ConfigSyntaxException {
        Parser parser = new Parser(source, text);
        parser.spans = new ArrayList<>();
        parser.file(new RawConfig.Builder(source));
        return List.copyOf(parser.spans);
    }

    /** One setting's place in a text; see {@link #spans}. */
    record Span(String key, boolean append, int start, int end) {
    }

    /** One {@code key=value} or {@code key+=value} from the command line. */
    record Assignment(String key, boolean append, RawValue value) {
    }

    /**
     * Reads a command-line override, {@code key=value}. The value is a value of the language, or else a bare
     * word taken as a string ({@code disk=phy:/dev/vg/a,xvda,w}), as xm took it.
     */
    static Assignment readAssignment(String text) throws ConfigSyntaxException {
        String source = "argument '" + text + "'";
        Parser parser = new Parser(source, text);
        Lexer.Token key = parser.next();
        Lexer.Token op = key.kind() == Kind.IDENT ? parser.next() : key;
        if (key.kind() != Kind.IDENT || (op.kind() != Kind.EQUALS && op.kind() != Kind.PLUS_EQUALS)) {
            throw parser.error(key.kind() == Kind.IDENT ? op : key,
                    "expected KEY=VALUE, with a lower-case KEY such as memory=512", false);
        }
        int start = op.offset() + op.text().length();
        String rest = text.substring(start);
        boolean append = op.kind() == Kind.PLUS_EQUALS;
        String trimmed = rest.strip();
        if (trimmed.startsWith("'") || trimmed.startsWith("\"") || trimmed.startsWith("[")) {
            RawValue value = parser.value(0);
            Lexer.Token end = parser.next();
            if (end.kind() != Kind.EOF) throw parser.error(end, "unexpected " + describe(end) + " after the value", false);
            return new Assignment(key.text(), append, value);
        }
        try {
            RawValue value = parser.value(0);
            if (value instanceof RawValue.Num && parser.next().kind() == Kind.EOF) {
                return new Assignment(key.text(), append, value);
            }
        } catch (ConfigSyntaxException notALanguageValue) {
            // a bare word, taken whole below
        }
        return new Assignment(key.text(), append, new RawValue.Str(rest, 1, start + 1));
    }

    enum Kind { IDENT, NUMBER, STRING, LBRACKET, RBRACKET, COMMA, EQUALS, PLUS_EQUALS, SEMICOLON, NEWLINE, EOF }

    private static String describe(Lexer.Token t) {
        return switch (t.kind()) {
            case IDENT, NUMBER -> "'" + t.text() + "'";
            case STRING -> "a string";
            case NEWLINE -> "the end of the line";
            case EOF -> "the end of the file";
            default -> "'" + t.text() + "'";
        };
    }

    private static String pythonHint(String what) {
        return what + "; this file looks like Python (xm ran config files as Python; "
                + "vmhost reads xl's declarative KEY = VALUE format)";
    }

    /** Recursive descent over {@link Lexer}'s tokens, one token of look-ahead. */
    private static final class Parser {
        private final String source;
        private final Lexer lexer;
        private Lexer.Token peeked;
        /** Where the last token taken ends; and, when asked for, each setting's place. */
        private int lastEnd;
        private List<Span> spans;

        Parser(String source, String text) {
            this.source = source;
            this.lexer = new Lexer(source, text);
        }

        private Lexer.Token peek() throws ConfigSyntaxException {
            if (peeked == null) peeked = lexer.next();
            return peeked;
        }

        Lexer.Token next() throws ConfigSyntaxException {
            Lexer.Token t = peek();
            peeked = null;
            lastEnd = t.offset() + t.text().length();
            return t;
        }

        void file(RawConfig.Builder settings) throws ConfigSyntaxException {
            while (true) {
                Lexer.Token t = next();
                switch (t.kind()) {
                    case EOF -> {
                        return;
                    }
                    case NEWLINE, SEMICOLON -> {
                    }
                    case IDENT -> {
                        boolean append = assignment(t, settings);
                        if (spans != null) spans.add(new Span(t.text(), append, t.offset(), lastEnd));
                        Lexer.Token end = next();
                        if (end.kind() == Kind.EOF) return;
                        if (end.kind() != Kind.NEWLINE && end.kind() != Kind.SEMICOLON) {
                            if (end.kind() == Kind.IDENT && PYTHON_KEYWORDS.contains(end.text())) {
                                throw error(end, pythonHint("'" + end.text() + "' in a value"), true);
                            }
                            throw error(end, "expected the end of the line or ';' after the value of '"
                                    + t.text() + "', got " + describe(end), false);
                        }
                    }
                    default -> throw error(t, "expected a setting (KEY = VALUE), got " + describe(t), false);
                }
            }
        }

        /** Reads one setting into {@code settings}; answers whether it appends ({@code +=}). */
        private boolean assignment(Lexer.Token key, RawConfig.Builder settings) throws ConfigSyntaxException {
            Lexer.Token op;
            try {
                op = next();
            } catch (ConfigSyntaxException e) {
                if (!e.looksLikePython() && PYTHON_KEYWORDS.contains(key.text())) {
                    throw error(key, pythonHint("'" + key.text() + "' statement"), true);
                }
                throw e;
            }
            if (op.kind() != Kind.EQUALS && op.kind() != Kind.PLUS_EQUALS) {
                if (PYTHON_KEYWORDS.contains(key.text())) {
                    throw error(key, pythonHint("'" + key.text() + "' statement"), true);
                }
                throw error(op, "expected '=' after '" + key.text() + "', got " + describe(op), false);
            }
            RawValue value = value(0);
            if (op.kind() == Kind.EQUALS) {
                settings.assign(key.text(), value, source, key.line());
            } else {
                String problem = settings.append(key.text(), value, source, key.line());
                if (problem != null) throw error(op, problem, false);
            }
            return op.kind() == Kind.PLUS_EQUALS;
        }

        RawValue value(int depth) throws ConfigSyntaxException {
            Lexer.Token t = next();
            return switch (t.kind()) {
                case STRING -> new RawValue.Str(t.value(), t.line(), t.column());
                case NUMBER -> new RawValue.Num(t.text(), t.line(), t.column());
                case LBRACKET -> list(t, depth + 1);
                case IDENT -> throw bareWord(t);
                default -> throw error(t, "expected a value (a string in quotes, a number or a [ list ]), got "
                        + describe(t), false);
            };
        }

        private ConfigSyntaxException bareWord(Lexer.Token word) throws ConfigSyntaxException {
            try {
                peek(); // a '(' or '.' after the word is the Python expression to report
            } catch (ConfigSyntaxException e) {
                if (e.looksLikePython()) return e;
            }
            if (PYTHON_KEYWORDS.contains(word.text()) || word.text().contains(".")) {
                return error(word, pythonHint("'" + word.text() + "' is an expression"), true);
            }
            return error(word, "'" + word.text() + "' is not a value: strings need quotes, as in \""
                    + word.text() + "\"", false);
        }

        private RawValue list(Lexer.Token open, int depth) throws ConfigSyntaxException {
            if (depth > MAX_DEPTH) throw error(open, "lists are nested more than " + MAX_DEPTH + " deep", false);
            List<RawValue> items = new ArrayList<>();
            skipNewlines();
            if (peek().kind() == Kind.RBRACKET) {
                next();
                return new RawValue.ListValue(items, open.line(), open.column());
            }
            while (true) {
                if (peek().kind() == Kind.EOF) throw unclosed(open);
                items.add(value(depth));
                skipNewlines();
                Lexer.Token t = next();
                if (t.kind() == Kind.RBRACKET) break;
                if (t.kind() == Kind.EOF) throw unclosed(open);
                if (t.kind() != Kind.COMMA) {
                    String list = t.line() == open.line() ? "the list" : "the list opened on line " + open.line();
                    throw error(t, "expected ',' or ']' in " + list + ", got " + describe(t), false);
                }
                skipNewlines();
                if (peek().kind() == Kind.RBRACKET) {
                    next();
                    break;
                }
            }
            return new RawValue.ListValue(items, open.line(), open.column());
        }

        private ConfigSyntaxException unclosed(Lexer.Token open) {
            return error(open, "the list opened here is never closed with ']'", false);
        }

        private void skipNewlines() throws ConfigSyntaxException {
            while (peek().kind() == Kind.NEWLINE) next();
        }

        ConfigSyntaxException error(Lexer.Token at, String reason, boolean python) {
            return new ConfigSyntaxException(source, at.line(), at.column(), reason, python);
        }
    }

    /** xl's tokens, with the differences described on {@link ConfigReader}. */
    private static final class Lexer {

        record Token(Kind kind, String text, String value, int line, int column, int offset) {
        }

        private static final String PYTHON_CHARS = ".():%*/{}<>!&|~^@`\\";

        private final String source;
        private final String text;
        private int pos;
        private int line = 1;
        private int column = 1;

        Lexer(String source, String text) {
            this.source = source;
            this.text = text;
        }

        Token next() throws ConfigSyntaxException {
            while (true) {
                if (pos >= text.length()) return new Token(Kind.EOF, "", "", line, column, pos);
                char c = text.charAt(pos);
                if (c == ' ' || c == '\t') {
                    advance(1);
                } else if (c == '#') {
                    while (pos < text.length() && text.charAt(pos) != '\n' && text.charAt(pos) != '\r') advance(1);
                } else {
                    break;
                }
            }
            char c = text.charAt(pos);
            int startLine = line;
            int startColumn = column;
            int start = pos;
            if (c == '\n' || c == '\r') {
                pos += (c == '\r' && pos + 1 < text.length() && text.charAt(pos + 1) == '\n') ? 2 : 1;
                line++;
                column = 1;
                return new Token(Kind.NEWLINE, "\n", "", startLine, startColumn, start);
            }
            if (c >= 'a' && c <= 'z') {
                int end = scan(pos + 1, "._0123456789abcdefghijklmnopqrstuvwxyz");
                return token(Kind.IDENT, end);
            }
            if (c >= '0' && c <= '9') {
                int end = scan(pos + 1, "0123456789abcdefx");
                if (end < text.length()) {
                    char after = text.charAt(end);
                    if (after == '.' && end + 1 < text.length() && isDigit(text.charAt(end + 1))) {
                        int fractionEnd = scan(end + 1, "0123456789");
                        throw error(pythonHint("floating-point number '" + text.substring(pos, fractionEnd) + "'"), true);
                    }
                    if (Character.isLetterOrDigit(after) || after == '_') {
                        int wordEnd = end;
                        while (wordEnd < text.length() && (Character.isLetterOrDigit(text.charAt(wordEnd))
                                || text.charAt(wordEnd) == '_')) wordEnd++;
                        throw error("invalid number '" + text.substring(pos, wordEnd)
                                + "' (decimal, 0x with lower-case hex digits, or leading-0 octal)", false);
                    }
                }
                return token(Kind.NUMBER, end);
            }
            switch (c) {
                case '"', '\'' -> {
                    return string(c);
                }
                case '[' -> {
                    return token(Kind.LBRACKET, pos + 1);
                }
                case ']' -> {
                    return token(Kind.RBRACKET, pos + 1);
                }
                case ',' -> {
                    return token(Kind.COMMA, pos + 1);
                }
                case '=' -> {
                    return token(Kind.EQUALS, pos + 1);
                }
                case ';' -> {
                    return token(Kind.SEMICOLON, pos + 1);
                }
                case '+' -> {
                    if (pos + 1 < text.length() && text.charAt(pos + 1) == '=') return token(Kind.PLUS_EQUALS, pos + 2);
                    throw error(pythonHint("unexpected '+'"), true);
                }
                case '-' -> {
                    if (pos + 1 < text.length() && isDigit(text.charAt(pos + 1))) {
                        int end = scan(pos + 1, "0123456789abcdefx");
                        throw error(pythonHint("negative number '" + text.substring(pos, end) + "'"), true);
                    }
                    throw error(pythonHint("unexpected '-'"), true);
                }
                default -> {
                }
            }
            if (PYTHON_CHARS.indexOf(c) >= 0) throw error(pythonHint("unexpected '" + c + "'"), true);
            if (c >= 'A' && c <= 'Z') {
                int end = pos;
                while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_')) end++;
                String word = text.substring(pos, end);
                if (word.equals("True") || word.equals("False") || word.equals("None")) {
                    throw error(pythonHint("'" + word + "' is Python (write 1 or 0)"), true);
                }
                throw error("unexpected '" + word + "': keys are lower case, and strings need quotes", false);
            }
            throw error("unexpected character " + show(text.codePointAt(pos)), false);
        }

        private Token string(char quote) throws ConfigSyntaxException {
            int startLine = line;
            int startColumn = column;
            int start = pos;
            StringBuilder value = new StringBuilder();
            int i = pos + 1;
            while (true) {
                if (i >= text.length() || text.charAt(i) == '\n' || text.charAt(i) == '\r') {
                    throw new ConfigSyntaxException(source, startLine, startColumn, "unterminated string", false);
                }
                char c = text.charAt(i);
                if (c == quote) break;
                if (c == '\0') {
                    throw new ConfigSyntaxException(source, startLine, startColumn + (i - start),
                            "NUL character in a string", false);
                }
                if (c == '\\') {
                    if (i + 1 >= text.length() || text.charAt(i + 1) == '\n' || text.charAt(i + 1) == '\r') {
                        throw new ConfigSyntaxException(source, startLine, startColumn, "unterminated string", false);
                    }
                    char e = text.charAt(i + 1);
                    char resolved = switch (e) {
                        case '"', '\'', '\\' -> e;
                        case 'a' -> '\u0007';
                        case 'b' -> '\b';
                        case 'f' -> '\f';
                        case 'n' -> '\n';
                        case 'r' -> '\r';
                        case 't' -> '\t';
                        case 'v' -> '\u000b';
                        default -> throw new ConfigSyntaxException(source, startLine, startColumn + (i - start),
                                "invalid escape '\\" + (e == '\0' ? "NUL" : Character.toString(text.codePointAt(i + 1)))
                                        + "' in a string (valid: \\\" \\' \\\\ \\a \\b \\f \\n \\r \\t \\v)", false);
                    };
                    value.append(resolved);
                    i += 2;
                } else {
                    value.append(c);
                    i++;
                }
            }
            advance(i + 1 - pos);
            return new Token(Kind.STRING, text.substring(start, i + 1), value.toString(), startLine, startColumn, start);
        }

        private Token token(Kind kind, int end) {
            Token t = new Token(kind, text.substring(pos, end), "", line, column, pos);
            advance(end - pos);
            return t;
        }

        private int scan(int from, String allowed) {
            int end = from;
            while (end < text.length() && allowed.indexOf(text.charAt(end)) >= 0) end++;
            return end;
        }

        /** Moves on {@code n} characters of one line. */
        private void advance(int n) {
            pos += n;
            column += n;
        }

        private ConfigSyntaxException error(String reason, boolean python) {
            return new ConfigSyntaxException(source, line, column, reason, python);
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        private static String show(int codePoint) {
            if (codePoint >= 0x20 && codePoint != 0x7f && !Character.isISOControl(codePoint)
                    && Character.isDefined(codePoint) && !Character.isSurrogate((char) codePoint)) {
                return "'" + Character.toString(codePoint) + "'";
            }
            return String.format("U+%04X", codePoint);
        }
    }
}
