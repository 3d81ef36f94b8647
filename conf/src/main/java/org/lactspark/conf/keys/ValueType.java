package org.lactspark.conf.keys;

import java.util.Locale;

/** The type of a configuration value and how it is read from text (command-line overrides). */
public enum ValueType {
  /** A 32-bit integer. */
  INT,
  /** A double. */
  DOUBLE,
  /** {@code true} or {@code false}. */
  BOOLEAN,
  /** Text, taken as written. */
  STRING;

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException saying what was expected
   */
  public Object parse(String text) {
    if (this == STRING) {
      return text;
    }
    String t = text.trim();
    try {
      return switch (this) {
        case INT -> Integer.parseInt(t);
        case DOUBLE -> Double.parseDouble(t);
        case BOOLEAN -> switch (t.toLowerCase(Locale.ROOT)) {
          case "true" -> Boolean.TRUE;
          case "false" -> Boolean.FALSE;
          default -> throw new IllegalArgumentException("expected true or false");
        };
        case STRING -> text;
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected " + describe(), e);
    }
  }

  /** What a value of this type looks like, for messages ("an integer"). */
  public String describe() {
    return switch (this) {
      case INT -> "an integer";
      case DOUBLE -> "a number";
      case BOOLEAN -> "true or false";
      case STRING -> "a string";
    };
  }
}
