package io.istiocni.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.istiocni.pod.PodManifests;
import org.junit.jupiter.api.Test;

class ParseErrorsTest {

    @Test
    void truncatedJsonSaysWhereWithoutJacksonsSourceDescription() {
        JsonProcessingException e = assertThrows(JsonProcessingException.class,
                () -> new ObjectMapper().readTree("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\""));
        assertEquals("Unexpected end-of-input: expected close marker for Object (start marker at line 1, column 26)"
                + " (line 1, column 37)", ParseErrors.describe(e));
    }

    @Test
    void yamlErrorsAreOneLine() {
        JsonProcessingException e = assertThrows(JsonProcessingException.class,
                () -> new ObjectMapper(new YAMLFactory()).readTree("kind: Pod\nmetadata: {name: x\n"));
        String text = ParseErrors.describe(e);
        assertFalse(text.contains("\n"), text);
        assertTrue(text.endsWith("(line 2, column 19)"), text);
    }

    @Test
    void theEntryPointsUseIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PodManifests.parse("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\""));
        assertFalse(e.getMessage().contains("Source"), e.getMessage());
        assertTrue(e.getMessage().contains("(start marker at line 1, column 26)"), e.getMessage());
    }
}
