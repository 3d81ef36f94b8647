package org.lactspark.driver.eval.report;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Names derived from free text: legend names (XChart refuses two series of one name) and file
 * names (labels are whatever the user typed, and a file name must be one safe path segment).
 */
final class Names {
  private Names() {}

  /** The labels made distinct by appending " (2)", " (3)"... to repeats; null or blank is "model". */
  static List<String> distinct(List<String> labels) {
    Set<String> used = new HashSet<>();
    List<String> out = new ArrayList<>(labels.size());
    for (String label : labels) {
      out.add(unused(label == null || label.isBlank() ? "model" : label, used));
    }
    return out;
  }

  /** {@code name} if unused, else {@code name (2)}, {@code name (3)}...; records the result. */
  static String unused(String name, Set<String> used) {
    String out = name;
    for (int n = 2; !used.add(out); n++) {
      out = name + " (" + n + ")";
    }
    return out;
  }

  /**
   * A file-name segment: lower-case ASCII letters, digits, '.', '_' and '-'; every other run of
   * characters becomes one '-'. Never empty, never starts with '.'.
   */
  static String slug(String text) {
    String s = text == null ? "" : text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-")
        .replaceAll("^[-.]+|-+$", "");
    return s.isEmpty() ? "x" : s;
  }

  /** {@code name} if unused, else {@code stem-2.ext}, {@code stem-3.ext}...; records the result. */
  static String unusedFile(String name, Set<String> used) {
    int dot = name.lastIndexOf('.');
    String stem = name.substring(0, dot);
    String ext = name.substring(dot);
    String file = name;
    for (int n = 2; !used.add(file); n++) {
      file = stem + "-" + n + ext;
    }
    return file;
  }
}
