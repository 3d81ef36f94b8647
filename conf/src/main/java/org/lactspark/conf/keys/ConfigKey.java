package org.lactspark.conf.keys;

import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * One configuration key.
 *
 * @param name the key as written in files and overrides, e.g. {@code chunkSize}
 * @param type its type
 * @param defaultValue the value when absent, or null if the key is required
 * @param doc what it means
 * @param rule the validation rule in words, used in error messages ("must be >= 1")
 * @param valid the validation rule
 */
public record ConfigKey(
    String name, ValueType type, Object defaultValue, String doc, String rule, Predicate<Object> valid) {

  /** Checks the non-null fields. */
  public ConfigKey {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(doc, "doc");
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(valid, "valid");
  }

  /** An integer key of at least {@code min}. */
  static ConfigKey intAtLeast(String name, Integer dflt, int min, String doc) {
    return new ConfigKey(name, ValueType.INT, dflt, doc, "must be >= " + min, v -> (Integer) v >= min);
  }

  /** A double key greater than zero. */
  static ConfigKey positive(String name, Double dflt, String doc) {
    return new ConfigKey(name, ValueType.DOUBLE, dflt, doc, "must be > 0 and finite",
        v -> (Double) v > 0 && Double.isFinite((Double) v));
  }

  /** A double key in {@code [0, 1)}. */
  static ConfigKey fraction(String name, Double dflt, String doc) {
    return new ConfigKey(name, ValueType.DOUBLE, dflt, doc, "must be >= 0 and < 1",
        v -> (Double) v >= 0 && (Double) v < 1);
  }

  /** A string key whose value is one of {@code choices}. */
  static ConfigKey choice(String name, String dflt, List<String> choices, String doc) {
    return new ConfigKey(name, ValueType.STRING, dflt, doc + " (" + String.join(" | ", choices) + ")",
        "must be one of " + String.join(", ", choices), choices::contains);
  }

  /** A non-empty string key. */
  static ConfigKey text(String name, String dflt, String doc) {
    return new ConfigKey(name, ValueType.STRING, dflt, doc, "must not be empty", v -> !((String) v).isBlank());
  }

  /** A string key that may be empty (empty: the feature it names is off). */
  static ConfigKey optionalText(String name, String doc) {
    return new ConfigKey(name, ValueType.STRING, "", doc, "any text", v -> true);
  }

  /** A boolean key. */
  static ConfigKey flag(String name, boolean dflt, String doc) {
    return new ConfigKey(name, ValueType.BOOLEAN, dflt, doc, "must be true or false", v -> true);
  }
}
