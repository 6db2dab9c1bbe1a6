package io.istiocni.json;

import static io.istiocni.json.GoJsonString.Style.ENCODING_JSON;
import static io.istiocni.json.GoJsonString.Style.ZAP;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The expected literals are what Go 1.22+ encoding/json and zap 1.27 write for the same strings. */
class GoJsonStringTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shortEscapes() {
        assertEquals("\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f\"", GoJsonString.quote("q\" b\\ n\n r\r t\t b\b f\f",
                ENCODING_JSON));
        // zap knows only \n \r \t as short escapes
        assertEquals("\"q\\\" b\\\\ n\\n r\\r t\\t b\\u0008 f\\u000c\"",
                GoJsonString.quote("q\" b\\ n\n r\r t\t b\b f\f", ZAP));
    }

    @Test
    void otherControlCharactersAsUnicodeEscapesButDelAsItIs() {
        String s = "\u0000\u0001\u0007\u000b\u001b\u001f\u007f";
        assertEquals("\"\\u0000\\u0001\\u0007\\u000b\\u001b\\u001f\u007f\"", GoJsonString.quote(s, ENCODING_JSON));
        assertEquals("\"\\u0000\\u0001\\u0007\\u000b\\u001b\\u001f\u007f\"", GoJsonString.quote(s, ZAP));
    }

    @Test
    void htmlCharactersEscapedOnlyByEncodingJson() {
        assertEquals("\"\\u003cb\\u003e \\u0026amp;\"", GoJsonString.quote("<b> &amp;", ENCODING_JSON));
        assertEquals("\"<b> &amp;\"", GoJsonString.quote("<b> &amp;", ZAP));
    }

    @Test
    void lineAndParagraphSeparatorsEscapedOnlyByEncodingJson() {
        assertEquals("\"a\\u2028b\\u2029c\"", GoJsonString.quote("a\u2028b\u2029c", ENCODING_JSON));
        assertEquals("\"a\u2028b\u2029c\"", GoJsonString.quote("a\u2028b\u2029c", ZAP));
    }

    @Test
    void loneSurrogatesBecomeTheReplacementCharacterPairsStay() {
        String s = "hi \ud800 lo \udc00 end-high \ud83d\ude00 \ud83d";
        String expected = "\"hi \ufffd lo \ufffd end-high \ud83d\ude00 \ufffd\"";
        for (GoJsonString.Style style : GoJsonString.Style.values()) {
            String out = GoJsonString.quote(s, style);
            assertEquals(expected, out, style.name());
            // valid UTF-8: the bytes decode back to the same text, nothing became '?'
            assertEquals(out, new String(out.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
        }
        assertEquals("\"\ufffd\ufffd\"", GoJsonString.quote("\udc00\ud800", ZAP));
    }

    @Test
    void nonAsciiAsItIs() {
        for (GoJsonString.Style style : GoJsonString.Style.values()) {
            assertEquals("\"é ü 日本 \ufffd /\"", GoJsonString.quote("é ü 日本 \ufffd /", style));
        }
    }

    @Test
    void everyStyleReadsBackAsTheSameText() throws Exception {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x300; c++) {
            all.append(c);
        }
        all.append("\u2028\u2029\ud83d\ude00");
        for (GoJsonString.Style style : GoJsonString.Style.values()) {
            assertEquals(all.toString(), JSON.readTree(GoJsonString.quote(all.toString(), style)).textValue(),
                    style.name());
        }
    }

    @Test
    void appendsToWhatIsThere() {
        StringBuilder sb = new StringBuilder("x=");
        GoJsonString.append(sb, "", ZAP);
        assertEquals("x=\"\"", sb.toString());
    }
}
