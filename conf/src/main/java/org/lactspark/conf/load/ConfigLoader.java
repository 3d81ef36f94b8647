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
import java.util.Optional;
import org.lactspark.conf.ConfigException;
import org.lactspark.conf.keys.ConfigKey;

/**
 * Loads the values of one table of {@link ConfigKey}s: a flat JSON object of those keys (absent keys
 * take their defaults), then {@code key=value} overrides, then each key's validation. Every error is
 * one {@link ConfigException} naming the key, the value and where it came from. The typed
 * configurations ({@code ModelConfig}, {@code PrepareConfig}) build themselves from the result.
 */
public final class ConfigLoader {
  private static final JsonFactory JSON = new JsonFactory();

  private final List<ConfigKey> keys;
  private final Map<String, ConfigKey> byName = new LinkedHashMap<>();
  private final String what;

  /**
   * A loader of {@code keys}.
   *
   * @param what what the keys configure, for messages ("model", "prepare")
   */
  public ConfigLoader(List<ConfigKey> keys, String what) {
    this.keys = List.copyOf(keys);
    this.what = what;
    for (ConfigKey k : keys) {
      byName.put(k.name(), k);
    }
  }

  /**
   * Validated values in key order, each with where it came from ("file x.json line 3", "command
   * line", "default").
   */
  public record Loaded(Map<String, Object> values, Map<String, String> sources) {
    /** Where {@code key}'s value came from, or {@code fallback}. */
    public String sourceOf(String key, String fallback) {
      return sources.getOrDefault(key, fallback);
    }
  }

  /** Builds a typed configuration from validated values and their sources. */
  @FunctionalInterface
  public interface Builder<T> {
    /**
     * @throws ConfigException naming the key when the combination is invalid
     */
    T build(Map<String, Object> values, Map<String, String> sources);
  }

  /**
   * Loads {@code file} (null for none), then the overrides, and builds the typed configuration;
   * an error the builder raises is attributed to where its key's value came from.
   *
   * @throws IOException if the file cannot be read
   * @throws ConfigException if a value is unknown, malformed, missing or out of range
   */
  public <T> T load(Path file, List<String> overrides, Builder<T> builder) throws IOException {
    if (file == null) {
      return build(load(overrides), "command line", builder);
    }
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return build(load(r, "file " + file.getFileName(), overrides), "file " + file.getFileName(), builder);
    }
  }

  private static <T> T build(Loaded loaded, String sourceName, Builder<T> builder) {
    try {
      return builder.build(loaded.values(), loaded.sources());
    } catch (ConfigException e) {
      throw e.withSource(loaded.sourceOf(e.key(), sourceName));
    }
  }

  private Optional<ConfigKey> key(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** A value and where it came from. */
  private record Sourced(Object value, String source) {}

  /**
   * Loads JSON from a reader; {@code sourceName} names it in errors (for example "preset tiny").
   *
   * @throws IOException if the reader fails
   * @throws ConfigException if a value is unknown, malformed, missing or out of range
   */
  public Loaded load(Reader json, String sourceName, List<String> overrides) throws IOException {
    return resolve(readJson(json, sourceName), sourceName, overrides);
  }

  /**
   * Loads from overrides alone: every other key takes its default.
   *
   * @throws ConfigException if a value is unknown, malformed, missing or out of range
   */
  public Loaded load(List<String> overrides) {
    return resolve(new HashMap<>(), "command line", overrides);
  }

  private Loaded resolve(Map<String, Sourced> values, String sourceName, List<String> overrides) {
    for (String o : overrides) {
      applyOverride(values, o);
    }
    Map<String, Object> plain = new LinkedHashMap<>();
    Map<String, String> sources = new LinkedHashMap<>();
    for (ConfigKey k : keys) {
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
    return new Loaded(plain, sources);
  }

  private Map<String, Sourced> readJson(Reader json, String sourceName) throws IOException {
    Map<String, Sourced> out = new HashMap<>();
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new ConfigException("(document)", "", sourceName, "must be one JSON object of " + what + " keys");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.getCurrentName();
        String where = sourceName + " line " + p.getTokenLocation().getLineNr();
        JsonToken t = p.nextToken();
        ConfigKey key = key(name).orElseThrow(() -> new ConfigException(name, text(p, t), where,
            "unknown " + what + " key (known: " + String.join(", ", byName.keySet()) + ")"));
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
      case STRING:
        if (t == JsonToken.VALUE_STRING) {
          return p.getText();
        }
        break;
      default:
        break;
    }
    throw new ConfigException(key.name(), text(p, t), where, "must be " + key.type().describe());
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

  private void applyOverride(Map<String, Sourced> values, String override) {
    int eq = override.indexOf('=');
    String where = "command line";
    if (eq <= 0) {
      throw new ConfigException(override, "", where, "an override must be key=value");
    }
    String name = override.substring(0, eq).trim();
    String text = override.substring(eq + 1);
    ConfigKey key = key(name).orElseThrow(() -> new ConfigException(name, text, where,
        "unknown " + what + " key (known: " + String.join(", ", byName.keySet()) + ")"));
    try {
      values.put(name, new Sourced(key.type().parse(text), where));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name, text, where, e.getMessage());
    }
  }

  /** Values as a JSON object, in the map's order (numbers, booleans and strings). */
  public static String toJson(Map<String, Object> values) {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(w)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      for (Map.Entry<String, Object> e : values.entrySet()) {
        Object v = e.getValue();
        if (v instanceof Integer i) {
          g.writeNumberField(e.getKey(), i);
        } else if (v instanceof Double d) {
          g.writeNumberField(e.getKey(), d);
        } else if (v instanceof Boolean b) {
          g.writeBooleanField(e.getKey(), b);
        } else {
          g.writeStringField(e.getKey(), String.valueOf(v));
        }
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }
}
