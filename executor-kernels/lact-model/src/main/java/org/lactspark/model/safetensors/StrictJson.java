package org.lactspark.model.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/** The one JSON mapper of the package, strict where Jackson is lenient by default. */
final class StrictJson {
  /**
   * Duplicate keys are an error (Jackson would silently keep the last one, so a file naming a
   * tensor twice would read as if it named it once); so is anything but whitespace after the
   * object (Jackson would ignore it).
   */
  static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private StrictJson() {}

  /**
   * Parses {@code json} into a JSON object.
   *
   * @param source the file, for messages
   * @param what what the text is ("header", "index"), for messages
   * @throws IOException naming {@code source} and what is wrong
   */
  static JsonNode readObject(String json, String source, String what) throws IOException {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      String why = e.getOriginalMessage();
      if (why != null && why.startsWith("Duplicate field")) {
        throw new IOException(source + ": " + what + " has a duplicate key (" + why
            + "): tensor names and the keys of each entry must be unique", e);
      }
      throw new IOException(source + ": " + what + " is not valid JSON (" + why + ")", e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException(source + ": " + what + " is not a JSON object");
    }
    return root;
  }
}
