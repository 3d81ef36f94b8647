package org.lactspark.data.tokenize;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What this package needs from a Hugging Face {@code tokenizer.json} before the native library
 * sees it: that it is UTF-8 JSON shaped like a tokenizer (so a bad file gets a message naming it
 * rather than a parser error from Rust), the model type, the model's vocabulary (token to id) and
 * the added tokens as written. DJL exposes neither the vocabulary nor its size, hence this parse.
 *
 * <p>The file is streamed: merges (hundreds of thousands in large vocabularies) are skipped, not
 * built into a tree.
 */
final class TokenizerJson {
  /** The model types the Rust tokenizers library reads. */
  static final Set<String> MODEL_TYPES = Set.of("BPE", "Unigram", "WordLevel", "WordPiece");

  private static final JsonFactory JSON = JsonFactory.builder()
      .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
      .build();

  private final String text;
  private String modelType = "";
  private final Map<String, Integer> vocab = new HashMap<>();
  private final Map<String, Integer> added = new LinkedHashMap<>();
  private int modelVocabSize;

  private TokenizerJson(String text) {
    this.text = text;
  }

  /**
   * Reads and checks {@code bytes}; {@code origin} names the file in messages.
   *
   * @throws IllegalArgumentException naming {@code origin} when the bytes are not a tokenizer.json
   */
  static TokenizerJson parse(String origin, byte[] bytes) {
    String text = utf8(origin, bytes);
    TokenizerJson file = new TokenizerJson(text);
    try (JsonParser p = JSON.createParser(text)) {
      file.readTop(origin, p);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
      throw invalid(origin, "is not valid JSON: " + e.getOriginalMessage() + where);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a String source does no I/O
    }
    file.check(origin);
    return file;
  }

  /** The file as text (a leading byte order mark removed). */
  String text() {
    return text;
  }

  /** The model's {@code type}, or empty when the file does not say. */
  String modelType() {
    return modelType;
  }

  /** One more than the largest id of the model's own vocabulary. */
  int modelVocabSize() {
    return modelVocabSize;
  }

  /** The added tokens, content to the id the file gives, in file order. */
  Map<String, Integer> addedTokens() {
    return Collections.unmodifiableMap(added);
  }

  /** The id of {@code token} in the model's vocabulary. */
  OptionalInt vocabId(String token) {
    Integer id = vocab.get(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  static IllegalArgumentException invalid(String origin, String what) {
    return new IllegalArgumentException(origin + " " + what);
  }

  private static String utf8(String origin, byte[] bytes) {
    if (bytes.length == 0) {
      throw invalid(origin, "is empty");
    }
    try {
      String text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
      return text.startsWith("\uFEFF") ? text.substring(1) : text;
    } catch (CharacterCodingException e) {
      throw invalid(origin, "is not UTF-8 text, so not a tokenizer.json");
    }
  }

  private void readTop(String origin, JsonParser p) throws IOException {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw invalid(origin, "is empty");
    }
    if (t != JsonToken.START_OBJECT) {
      throw invalid(origin, "is not a tokenizer.json: its top level is " + describe(t) + ", not an object");
    }
    boolean hasModel = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      if ("model".equals(field)) {
        readModel(origin, p);
        hasModel = true;
      } else if ("added_tokens".equals(field) && p.currentToken() == JsonToken.START_ARRAY) {
        readAdded(origin, p);
      } else {
        p.skipChildren();
      }
    }
    if (p.nextToken() != null) {
      throw invalid(origin, "has content after its JSON object");
    }
    if (!hasModel) {
      throw invalid(origin, "is not a tokenizer.json: it has no \"model\"");
    }
  }

  private static String describe(JsonToken t) {
    return switch (t) {
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.name();
    };
  }

  private void readModel(String origin, JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw invalid(origin, "is not a tokenizer.json: its \"model\" is not an object");
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if ("type".equals(field) && value == JsonToken.VALUE_STRING) {
        modelType = p.getText();
      } else if ("vocab".equals(field) && value == JsonToken.START_OBJECT) {
        readVocabObject(origin, p);
      } else if ("vocab".equals(field) && value == JsonToken.START_ARRAY) {
        readVocabArray(origin, p);
      } else {
        p.skipChildren();
      }
    }
  }

  /** BPE, WordPiece, WordLevel: {@code {"token": id, ...}}. */
  private void readVocabObject(String origin, JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String token = p.currentName();
      if (p.nextToken() != JsonToken.VALUE_NUMBER_INT || p.getIntValue() < 0) {
        throw invalid(origin, "has a vocabulary entry \"" + token + "\" whose id is not a non-negative integer");
      }
      vocab.put(token, p.getIntValue());
      modelVocabSize = Math.max(modelVocabSize, p.getIntValue() + 1);
    }
  }

  /** Unigram: {@code [["piece", score], ...]}; a piece's id is its index. */
  private void readVocabArray(String origin, JsonParser p) throws IOException {
    int id = 0;
    while (p.nextToken() == JsonToken.START_ARRAY) {
      if (p.nextToken() != JsonToken.VALUE_STRING) {
        throw invalid(origin, "has a Unigram vocabulary entry " + id + " that does not start with its piece");
      }
      vocab.putIfAbsent(p.getText(), id);
      while (p.nextToken() != JsonToken.END_ARRAY) {
        p.skipChildren();
      }
      id++;
    }
    if (p.currentToken() != JsonToken.END_ARRAY) {
      throw invalid(origin, "has a Unigram vocabulary entry " + id + " that is not a [piece, score] pair");
    }
    modelVocabSize = id;
  }

  private void readAdded(String origin, JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.START_OBJECT) {
      String content = null;
      int id = -1;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if ("content".equals(field) && value == JsonToken.VALUE_STRING) {
          content = p.getText();
        } else if ("id".equals(field) && value == JsonToken.VALUE_NUMBER_INT) {
          id = p.getIntValue();
        } else {
          p.skipChildren();
        }
      }
      if (content == null || id < 0) {
        throw invalid(origin, "has an added token without content or a non-negative id");
      }
      added.putIfAbsent(content, id);
    }
    if (p.currentToken() != JsonToken.END_ARRAY) {
      throw invalid(origin, "has an added token that is not an object");
    }
  }

  private void check(String origin) {
    if (!modelType.isEmpty() && !MODEL_TYPES.contains(modelType)) {
      throw invalid(origin, "has an unknown model type \"" + modelType + "\" (the tokenizers library reads "
          + String.join(", ", MODEL_TYPES.stream().sorted().toList()) + ")");
    }
    if (modelVocabSize == 0) {
      throw invalid(origin, "has a model without a vocabulary");
    }
  }
}
