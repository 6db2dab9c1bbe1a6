package io.istiocni.json;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.regex.Pattern;

/**
 * Jackson's parse errors (JSON and YAML) as one operator-readable line: the parser's own words, where it stopped,
 * and none of Jackson's source description ({@code [Source: REDACTED (`StreamReadFeature...` disabled); ...]}).
 */
public final class ParseErrors {

    private static final Pattern SOURCE = Pattern.compile("\\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)\\]");

    private ParseErrors() {
    }

    /**
     * E.g. {@code Unexpected end-of-input: expected close marker for Object (start marker at line 1, column 26)
     * (line 1, column 37)}.
     */
    public static String describe(JsonProcessingException e) {
        String text = String.valueOf(e.getOriginalMessage()).strip().replaceAll("\\s*\\R\\s*", " ");
        text = SOURCE.matcher(text).replaceAll("line $1, column $2");
        JsonLocation at = e.getLocation();
        if (at != null && at.getLineNr() > 0) {
            text += " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        }
        return text;
    }
}
