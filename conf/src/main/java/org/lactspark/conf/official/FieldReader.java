package org.lactspark.conf.official;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Typed, checked access to the fields of one official JSON object (a {@code config.json} or a
 * layer's constructor arguments). An absent field gives the caller's default; a value of the wrong
 * type is an {@link IllegalArgumentException} naming the source, the field and its value.
 */
final class FieldReader {
  // logged under OfficialConfig's name: that is the class a user configures logging for
  private static final Logger LOG = LoggerFactory.getLogger(OfficialConfig.class);

  private final JsonNode c;
  private final String source;

  FieldReader(JsonNode c, String source) {
    this.c = c;
    this.source = source;
  }

  IllegalArgumentException bad(String field, String why) {
    return new IllegalArgumentException(source + ": " + field + " = " + c.get(field) + ": " + why);
  }

  private JsonNode present(String field) {
    JsonNode v = c.get(field);
    return v == null || v.isNull() ? null : v;
  }

  int integer(String field, int dflt) {
    JsonNode v = c.get(field);
    if (v == null) {
      return dflt;
    }
    // Python writes some integers as 2.0; those are accepted, 2.5 is not
    if (!v.isIntegralNumber() && !(v.isNumber() && v.asDouble() == Math.rint(v.asDouble()))) {
      throw bad(field, "expected an integer");
    }
    if (!v.canConvertToInt()) {
      throw bad(field, "out of range");
    }
    return v.asInt();
  }

  /** An integer field where {@code null} has its own meaning: null then, {@code dflt} when absent. */
  Integer nullableInt(String field, Integer dflt) {
    if (!c.has(field)) {
      return dflt;
    }
    return present(field) == null ? null : integer(field, 0);
  }

  double number(String field, double dflt) {
    JsonNode v = c.get(field);
    if (v == null) {
      return dflt;
    }
    if (!v.isNumber()) {
      throw bad(field, "expected a number");
    }
    return v.asDouble();
  }

  /** A number that may be null only when it is not {@code required} (null then gives {@code dflt}). */
  double nullableDouble(String field, double dflt, boolean required) {
    if (c.has(field) && present(field) == null) {
      if (required) {
        throw bad(field, "must be a number when intermediate_size is null (it sizes the MLP)");
      }
      return dflt;
    }
    return number(field, dflt);
  }

  boolean bool(String field, boolean dflt) {
    JsonNode v = c.get(field);
    if (v == null) {
      return dflt;
    }
    if (!v.isBoolean()) {
      throw bad(field, "expected true or false");
    }
    return v.asBoolean();
  }

  String string(String field, String dflt) {
    JsonNode v = c.get(field);
    if (v == null) {
      return dflt;
    }
    if (!v.isTextual()) {
      throw bad(field, "expected a string");
    }
    return v.asText();
  }

  /** A field whose only supported value is {@code supported} (absent is fine). */
  void check(String field, Object supported) {
    JsonNode v = c.get(field);
    if (v == null) {
      return;
    }
    boolean ok = supported instanceof Boolean b ? v.isBoolean() && v.asBoolean() == b
        : supported instanceof Integer i ? v.isNumber() && v.asDouble() == i
        : v.isTextual() && v.asText().equals(supported);
    if (!ok) {
      throw bad(field, "not supported (only " + (supported instanceof String ? "\"" + supported + "\"" : supported)
          + ")");
    }
  }

  /**
   * Logs the fields outside {@code known}: the official class keeps unknown fields as plain
   * attributes, so they are no error, but a misspelt field should not pass silently.
   */
  void warnUnknown(Set<String> known) {
    List<String> unknown = new ArrayList<>();
    for (Iterator<String> it = c.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!known.contains(name)) {
        unknown.add(name);
      }
    }
    if (!unknown.isEmpty()) {
      LOG.warn("{}: ignoring fields the official LaCTSWIGLUConfig does not define: {}", source, unknown);
    }
  }
}
