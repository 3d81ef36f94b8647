package org.lactspark.conf.load;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.lactspark.conf.ConfigException;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.keys.ConfigKey;
import org.lactspark.conf.keys.ModelKeys;
import org.lactspark.conf.keys.ValueType;

/**
 * Loads a {@link ModelConfig}: a flat JSON object of {@link ModelKeys} (absent keys take their
 * defaults), then {@code key=value} overrides, then validation. Every error is one {@link
 * ConfigException} naming the key, the value and where it came from.
 */
public final class ModelConfigLoader {
  private static final JsonFactory JSON = new JsonFactory();

  private ModelConfigLoader() {}

  /** A value and where it came from. */
  private record Sourced(Object value, String source) {}

  /**
   * Loads a JSON file.
   *
   * @throws IOException if the file cannot be read
   * @throws ConfigException if a value is unknown, malformed, missing or out of range
   */
  public static ModelConfig load(Path file, List<String> overrides) throws IOException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return load(r, "file " + file.getFileName(), overrides);
    }
  }

  /**
   * Loads JSON from a reader; {@code sourceName} names it in errors (for example "preset tiny").
   *
   * @throws IOException if the reader fails
   * @throws ConfigException if a value is unknown, malformed, missing or out of range
   */
  public static ModelConfig load(Reader json, String sourceName, List<String> overrides) throws IOException {
    Map<String, Sourced> values = readJson(json, sourceName);
    for (String o : overrides) {
      applyOverride(values, o);
    }
    Map<String, Object> plain = new LinkedHashMap<>();
    Map<String, String> sources = new HashMap<>();
    for (ConfigKey k : ModelKeys.ALL) {
      Sourced s = values.get(k.name());
      if (s == null) {
        if (k.defaultValue() == null) {
          throw new ConfigException(k.name(), "(absent)", sourceName, "required: " + k.doc());
        }
        s = new Sourced(k.defaultValue(), "default");
      }
      if (!k.valid().test(s.value)) {
        throw new ConfigException(k.name(), s.value, s.source, k.rule());
      }
      plain.put(k.name(), s.value);
      sources.put(k.name(), s.source);
    }
    try {
      return ModelConfig.fromValues(plain);
    } catch (ConfigException e) {
      throw e.withSource(sources.getOrDefault(e.key(), sourceName));
    }
  }

  private static Map<String, Sourced> readJson(Reader json, String sourceName) throws IOException {
    Map<String, Sourced> out = new HashMap<>();
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new ConfigException("(document)", "", sourceName, "must be one JSON object of model keys");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.getCurrentName();
        String where = sourceName + " line " + p.getTokenLocation().getLineNr();
        JsonToken t = p.nextToken();
        ConfigKey key = ModelKeys.byName(name).orElseThrow(() -> new ConfigException(name, text(p, t), where,
            "unknown key (known: " + ModelKeys.ALL.stream().map(ConfigKey::name).collect(Collectors.joining(", ")) + ")"));
        if (out.containsKey(name)) {
          throw new ConfigException(name, text(p, t), where, "given twice (first at " + out.get(name).source + ")");
        }
        out.put(name, new Sourced(typed(key, p, t, where), where));
      }
    } catch (JsonParseException e) {
      throw new ConfigException("(document)", "", sourceName + " line " + e.getLocation().getLineNr(),
          "not valid JSON: " + e.getOriginalMessage());
    }
    return out;
  }

  private static Object typed(ConfigKey key, JsonParser p, JsonToken t, String where) throws IOException {
    switch (key.type()) {
      case INT:
        if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
          return p.getIntValue();
        }
        break;
      case DOUBLE:
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
          return p.getDoubleValue();
        }
        break;
      case BOOLEAN:
        if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
          return t == JsonToken.VALUE_TRUE;
        }
        break;
      default:
        break;
    }
    throw new ConfigException(key.name(), text(p, t), where, "must be " + describe(key.type()));
  }

  private static String describe(ValueType t) {
    return switch (t) {
      case INT -> "an integer";
      case DOUBLE -> "a number";
      case BOOLEAN -> "true or false";
    };
  }

  private static String text(JsonParser p, JsonToken t) {
    try {
      if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
        p.skipChildren();
        return t == JsonToken.START_OBJECT ? "{...}" : "[...]";
      }
      return p.getText();
    } catch (IOException e) {
      return "?";
    }
  }

  private static void applyOverride(Map<String, Sourced> values, String override) {
    int eq = override.indexOf('=');
    String where = "command line";
    if (eq <= 0) {
      throw new ConfigException(override, "", where, "an override must be key=value");
    }
    String name = override.substring(0, eq).trim();
    String text = override.substring(eq + 1);
    ConfigKey key = ModelKeys.byName(name).orElseThrow(() -> new ConfigException(name, text, where, "unknown key"));
    try {
      values.put(name, new Sourced(key.type().parse(text), where));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name, text, where, e.getMessage());
    }
  }

  /** The configuration as a JSON object of every key, in documentation order. */
  public static String toJson(ModelConfig c) {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(w)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      for (Map.Entry<String, Object> e : c.values().entrySet()) {
        Object v = e.getValue();
        if (v instanceof Integer i) {
          g.writeNumberField(e.getKey(), i);
        } else if (v instanceof Double d) {
          g.writeNumberField(e.getKey(), d);
        } else {
          g.writeBooleanField(e.getKey(), (Boolean) v);
        }
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }
}
