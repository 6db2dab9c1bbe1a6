package io.istiocni.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class ConfJsonTest {

    @Test
    void sortedLayout() {
        assertEquals("{\n  \"a\": {},\n  \"b\": [],\n  \"c\": [\n    1,\n    {\n      \"x\": null,\n"
                + "      \"y\": true\n    }\n  ]\n}\n",
                ConfJson.writeSorted(ConfJson.parse("{\"c\":[1,{\"y\":true,\"x\":null}],\"b\":[],\"a\":{}}")));
        assertEquals("{}\n", ConfJson.writeSorted(ConfJson.parse(" {} ")));
        assertEquals("{\n  \"B\": 1,\n  \"a\": 2,\n  \"\u00e9\": 3\n}\n",
                ConfJson.writeSorted(ConfJson.parse("{\"\u00e9\":3,\"a\":2,\"B\":1}")));
    }

    @Test
    void orderedLayoutKeepsOrder() {
        assertEquals("{\n  \"z\": 1,\n  \"a\": 2\n}\n", ConfJson.writeOrdered(ConfJson.parse("{\"z\":1,\"a\":2}")));
    }

    @Test
    void goStringEscapes() {
        // Go's decoder turns the lone \ud800 into U+FFFD, which MarshalIndent then writes as it is
        String in = "{\"k\":\"<a>&\\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u2028\\u2029\u00e9\\ud83d\\ude00/\\ud800\"}";
        assertEquals("{\n  \"k\": \"\\u003ca\\u003e\\u0026\\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u2028\\u2029\u00e9"
                + "\ud83d\ude00/\ufffd\"\n}\n", ConfJson.writeSorted(ConfJson.parse(in)));
    }

    @Test
    void numbersKeepTheirValue() {
        assertEquals("{\n  \"a\": 9007199254740993,\n  \"b\": 123456789012345678901234567890,\n  \"c\": 1,\n"
                + "  \"d\": 1500,\n  \"e\": 0.5,\n  \"f\": 1e+21,\n  \"g\": 1.5e-07,\n  \"h\": -2,\n  \"i\": 0\n}\n",
                ConfJson.writeSorted(ConfJson.parse("{\"a\":9007199254740993,\"b\":123456789012345678901234567890,"
                        + "\"c\":1.0,\"d\":1.5e3,\"e\":0.50,\"f\":1e21,\"g\":1.5e-7,\"h\":-2,\"i\":0.0}")));
        assertEquals("1.2345678901234567891e+25", ConfJson.decimal(new BigDecimal("12345678901234567891000000")));
    }

    @Test
    void duplicateKeysLastWins() {
        assertEquals("{\n  \"a\": 2\n}\n", ConfJson.writeSorted(ConfJson.parse("{\"a\":1,\"a\":2}")));
    }

    @Test
    void rejectsWhatGoRejects() {
        for (String bad : new String[] {"", "{", "{} {}", "[1,]", "{\"a\":1,}", "// c\n{}", "NaN", "{'a':1}",
                "01"}) {
            assertThrows(IllegalArgumentException.class, () -> ConfJson.parse(bad), bad);
        }
    }
}
