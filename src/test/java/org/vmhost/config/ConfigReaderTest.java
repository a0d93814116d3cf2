package org.vmhost.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigReaderTest {

    private static RawConfig read(String text) throws ConfigSyntaxException {
        return ConfigReader.read("t.cfg", text);
    }

    private static RawValue value(String text, String key) throws ConfigSyntaxException {
        return read(text).get(key).orElseThrow().value();
    }

    private static String string(String text) throws ConfigSyntaxException {
        return ((RawValue.Str) value(text, "a")).value();
    }

    private static ConfigSyntaxException error(String text) {
        ConfigSyntaxException e = catchThrowableOfType(ConfigSyntaxException.class, () -> read(text));
        assertThat(e).as("an error for %s", text).isNotNull();
        return e;
    }

    @Test
    void assignmentsEndAtNewlinesOrSemicolons() throws Exception {
        RawConfig raw = read("a = 1; b = 'x';; c = \"y\"\n\n  d=2\n");
        assertThat(raw.settings()).extracting(RawSetting::key).containsExactly("a", "b", "c", "d");
        assertThat(raw.get("d").orElseThrow().line()).isEqualTo(3);
    }

    @Test
    void theLastLineNeedsNoNewline() throws Exception {
        assertThat(string("a = 'x'")).isEqualTo("x");
        assertThat(read("a = 1 # the end").get("a")).isPresent();
    }

    @Test
    void stringsTakeBothQuotesAndXlsEscapes() throws Exception {
        assertThat(string("a = 'it\\'s'")).isEqualTo("it's");
        assertThat(string("a = \"say \\\"hi\\\"\"")).isEqualTo("say \"hi\"");
        assertThat(string("a = '\\\\:\\a\\b\\f\\n\\r\\t\\v'")).isEqualTo("\\:\u0007\b\f\n\r\t\u000b");
        assertThat(string("a = \"'\" ")).isEqualTo("'");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "a = '\\q'      | 1:6: invalid escape '\\q' in a string",
            "a = 'x\\x41'   | 1:7: invalid escape '\\x'",
            "a = 'x\\101'   | 1:7: invalid escape '\\1'"})
    void anyOtherEscapeIsAnError(String text, String expected) {
        assertThat(error(text)).hasMessageStartingWith("t.cfg:" + expected);
    }

    @Test
    void numbersKeepTheirTextAndReadAsStrtolDoes() throws Exception {
        RawConfig raw = read("d = 1024\nh = 0x400\no = 02000\nbad = 08\nx = 1abc\n");
        assertThat(raw.get("d").orElseThrow().value()).isEqualTo(new RawValue.Num("1024", 1, 5));
        assertThat(((RawValue.Num) raw.get("h").orElseThrow().value()).value()).hasValue(1024);
        assertThat(((RawValue.Num) raw.get("o").orElseThrow().value()).value()).hasValue(1024);
        assertThat(((RawValue.Num) raw.get("bad").orElseThrow().value()).value()).isEmpty();
        assertThat(((RawValue.Num) raw.get("x").orElseThrow().value()).text()).isEqualTo("1abc");
    }

    @Test
    void integersInStringsReadLikeNumbers() {
        assertThat(RawValue.parseInteger("1024")).hasValue(1024);
        assertThat(RawValue.parseInteger(" 0x1F")).hasValue(31);
        assertThat(RawValue.parseInteger("-12")).hasValue(-12);
        assertThat(RawValue.parseInteger("010")).hasValue(8);
        assertThat(RawValue.parseInteger("0")).hasValue(0);
        assertThat(RawValue.parseInteger("0x")).isEmpty();
        assertThat(RawValue.parseInteger("12 ")).isEmpty();
        assertThat(RawValue.parseInteger("lots")).isEmpty();
        assertThat(RawValue.parseInteger("99999999999999999999")).isEmpty();
    }

    @Test
    void upperCaseHexDigitsAreNotANumber() {
        assertThat(error("a = 0x1F\n")).hasMessage("t.cfg:1:5: invalid number '0x1F' (decimal, 0x with lower-case "
                + "hex digits, or leading-0 octal)");
    }

    @Test
    void listsNestAndSpreadOverLinesWithAnOptionalTrailingComma() throws Exception {
        RawValue v = value("disk = [\n  'a', # first\n  [ 1, [] ],\n\n  'c'\n  ,\n]\n", "disk");
        assertThat(v).isInstanceOf(RawValue.ListValue.class);
        List<RawValue> items = ((RawValue.ListValue) v).items();
        assertThat(items).hasSize(3);
        assertThat(items.get(0)).isEqualTo(new RawValue.Str("a", 2, 3));
        assertThat(((RawValue.ListValue) items.get(1)).items()).hasSize(2);
        assertThat(items.get(2).line()).isEqualTo(5);
        assertThat(((RawValue.ListValue) value("a = []", "a")).items()).isEmpty();
        assertThat(((RawValue.ListValue) value("a = [\n]", "a")).items()).isEmpty();
    }

    @Test
    void keysAreLowerCaseAndMayHoldDotsAsInXlConf() throws Exception {
        assertThat(read("vif.default.script = 'vif-bridge'\n").get("vif.default.script")).isPresent();
        assertThat(error("Name = 'x'\n")).hasMessageStartingWith("t.cfg:1:1: unexpected 'Name'");
    }

    @Test
    void theLastAssignmentWins() throws Exception {
        RawConfig raw = read("memory = 128\nname = 'a'\nmemory = 256\n");
        assertThat(raw.get("memory").orElseThrow().value()).isEqualTo(new RawValue.Num("256", 3, 10));
        assertThat(raw.get("memory").orElseThrow().line()).isEqualTo(3);
        assertThat(raw.settings()).extracting(RawSetting::key).containsExactly("name", "memory");
    }

    @Test
    void plusEqualsAppendsToAStringOrAList() throws Exception {
        assertThat(string("a = 'root=/dev/xvda1'\na += ' ro'\n")).isEqualTo("root=/dev/xvda1 ro");
        RawSetting disks = read("disk = ['a']\ndisk += ['b', 'c']\n").get("disk").orElseThrow();
        assertThat(((RawValue.ListValue) disks.value()).items()).extracting(v -> ((RawValue.Str) v).value())
                .containsExactly("a", "b", "c");
        assertThat(disks.appended()).isTrue();
        assertThat(string("a += 'x'")).isEqualTo("x");
    }

    @Test
    void plusEqualsRefusesToMixAListAndAString() {
        assertThat(error("a = 'x'\na += ['y']\n"))
                .hasMessage("t.cfg:2:3: cannot append a list to 'a', which is a single value");
        assertThat(error("a = ['x']\na += 'y'\n"))
                .hasMessage("t.cfg:2:3: cannot append a single value to the list 'a' (write [ ... ])");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "import os, re                         | 1:1: 'import' statement",
            "name = 'x'\\ndef check(v):            | 2:1: 'def' statement",
            "memory = 64 * 2                      | 1:13: unexpected '*'",
            "extra = 'vmid=%d' % vmid             | 1:19: unexpected '%'",
            "memory = 128 + 64                    | 1:14: unexpected '+'",
            "cpu = -1                             | 1:7: negative number '-1'",
            "weight = 1.5                         | 1:10: floating-point number '1.5'",
            "arch = os.uname()[4]                 | 1:16: unexpected '('",
            "vnc = True                           | 1:7: 'True' is Python (write 1 or 0)",
            "if arch == 'x86_64':                 | 1:1: 'if' statement",
            "xm_vars.var('vmid', use='id')         | 1:12: unexpected '('"})
    void pythonIsRefusedSayingTheFileLooksLikePython(String text, String expected) {
        ConfigSyntaxException e = error(text.replace("\\n", "\n"));
        assertThat(e.looksLikePython()).isTrue();
        assertThat(e).hasMessage("t.cfg:" + expected + "; this file looks like Python (xm ran config files as "
                + "Python; vmhost reads xl's declarative KEY = VALUE format)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "name = 'web1                    | 1:8: unterminated string",
            "name = \"web1\\nmemory = 1       | 1:8: unterminated string",
            "name = web1                     | 1:8: 'web1' is not a value: strings need quotes, as in \"web1\"",
            "memory =                        | 1:9: expected a value (a string in quotes, a number or a [ list ]), got the end of the file",
            "memory\\n= 1                     | 1:7: expected '=' after 'memory', got the end of the line",
            "memory = 1 vcpus = 2            | 1:12: expected the end of the line or ';' after the value of 'memory', got 'vcpus'",
            "disk = [ 'a' 'b' ]              | 1:14: expected ',' or ']' in the list, got a string",
            "disk = [ 'a', , 'b' ]           | 1:15: expected a value (a string in quotes, a number or a [ list ]), got ','",
            "disk = [ 'a',\\n  'b'\\n         | 1:8: the list opened here is never closed with ']'",
            "= 1                             | 1:1: expected a setting (KEY = VALUE), got '='",
            "name = 'a' $                    | 1:12: unexpected character '$'",
            "name = 'a\\tb'\\fx = 1            | 1:13: unexpected character U+000C"})
    void syntaxErrorsNameFileLineAndColumn(String text, String expected) {
        ConfigSyntaxException e = error(text.replace("\\n", "\n").replace("\\t", "\t").replace("\\f", "\f"));
        assertThat(e.looksLikePython()).isFalse();
        assertThat(e).hasMessage("t.cfg:" + expected);
        assertThat(e.line()).isEqualTo(Integer.parseInt(expected.substring(0, expected.indexOf(':'))));
    }

    @Test
    void crLfAndLoneCrEndLinesAsForXm() throws Exception {
        RawConfig raw = read("name = 'a'\r\nmemory = 1\r\n\r\nvcpus = 2\rextra = 'x'\r\n");
        assertThat(raw.settings()).extracting(RawSetting::key).containsExactly("name", "memory", "vcpus", "extra");
        assertThat(raw.get("extra").orElseThrow().line()).isEqualTo(5);
        assertThat(error("a = 'x\r\n").line()).isEqualTo(1);
    }

    @Test
    void aTabCountsAsOneColumn() {
        assertThat(error("\tname = web1\n").column()).isEqualTo(9);
    }

    @Test
    void nulIsRefusedInAndOutOfStrings() {
        assertThat(error("a = 'x\0'\n")).hasMessage("t.cfg:1:7: NUL character in a string");
        assertThat(error("a\0 = 1\n")).hasMessage("t.cfg:1:2: unexpected character U+0000");
    }

    @Test
    void listsNestedTooDeeplyAreRefusedRatherThanExhaustingTheStack() {
        String deep = "a = " + "[".repeat(ConfigReader.MAX_DEPTH + 1) + "]".repeat(ConfigReader.MAX_DEPTH + 1);
        assertThat(error(deep)).hasMessageContaining("lists are nested more than 64 deep");
        String ok = "a = " + "[".repeat(ConfigReader.MAX_DEPTH) + "]".repeat(ConfigReader.MAX_DEPTH);
        assertThat(catchThrowableOfType(ConfigSyntaxException.class, () -> read(ok))).isNull();
    }

    @Test
    void anEmptyFileOrOneOfCommentsHasNoSettings() throws Exception {
        assertThat(read("").settings()).isEmpty();
        assertThat(read("# nothing\n#\n\n").settings()).isEmpty();
    }

    @Test
    void commandLineAssignmentsTakeLanguageValuesOrBareWords() throws Exception {
        assertThat(ConfigReader.readAssignment("memory=512").value()).isInstanceOf(RawValue.Num.class);
        assertThat(ConfigReader.readAssignment("name=web2").value()).isEqualTo(new RawValue.Str("web2", 1, 6));
        assertThat(ConfigReader.readAssignment("cpus=0-3").value()).isEqualTo(new RawValue.Str("0-3", 1, 6));
        assertThat(ConfigReader.readAssignment("disk=phy:/dev/vg/a,xvda,w").value())
                .isEqualTo(new RawValue.Str("phy:/dev/vg/a,xvda,w", 1, 6));
        assertThat(ConfigReader.readAssignment("extra='a b'").value()).isEqualTo(new RawValue.Str("a b", 1, 7));
        assertThat(ConfigReader.readAssignment("vif=['', 'bridge=br1']").value()).isInstanceOf(RawValue.ListValue.class);
        assertThat(ConfigReader.readAssignment("name=").value()).isEqualTo(new RawValue.Str("", 1, 6));
        ConfigReader.Assignment append = ConfigReader.readAssignment("extra+=' quiet'");
        assertThat(append.append()).isTrue();
        assertThat(append.key()).isEqualTo("extra");
    }

    @Test
    void commandLineAssignmentsNeedAKeyAndAnEqualsSign() {
        ConfigSyntaxException e = catchThrowableOfType(ConfigSyntaxException.class,
                () -> ConfigReader.readAssignment("memory"));
        assertThat(e).hasMessage("argument 'memory':1:7: expected KEY=VALUE, with a lower-case KEY such as memory=512");
        e = catchThrowableOfType(ConfigSyntaxException.class, () -> ConfigReader.readAssignment("name='web"));
        assertThat(e).hasMessage("argument 'name='web':1:6: unterminated string");
    }
}
