package org.lactspark.driver.eval.report;

import java.util.Locale;

/**
 * Strings for the page: HTML escaping and number formats. Numbers are formatted in {@link
 * Locale#ROOT} so that a report reads the same whatever the driver's locale; a missing value (NaN,
 * infinite, or absent) shows as an en dash.
 */
final class Text {
  /** What a missing number shows as. */
  static final String MISSING = "\u2013";

  private Text() {}

  /** The text with {@code & < > " '} escaped, safe in element content and quoted attributes. */
  static String escape(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** The value with {@code decimals} places, or {@link #MISSING} when not finite. */
  static String fixed(double value, int decimals) {
    return Double.isFinite(value) ? String.format(Locale.ROOT, "%." + decimals + "f", value) : MISSING;
  }

  /** The value with thousands separators and no decimals, or {@link #MISSING} when not finite. */
  static String grouped(double value) {
    return Double.isFinite(value) ? String.format(Locale.ROOT, "%,.0f", value) : MISSING;
  }

  /** The count with thousands separators. */
  static String grouped(long value) {
    return String.format(Locale.ROOT, "%,d", value);
  }
}
