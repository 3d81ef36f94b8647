package org.lactspark.data.probe;

import java.util.Locale;

/** Parameter checks and formatting the probes share, so their messages read alike. */
final class Params {
  private Params() {}

  /** Checks {@code value >= min}, naming the parameter. */
  static void atLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(name + " = " + value + ": must be >= " + min);
    }
  }

  /** Checks that {@code depth} is a fraction in {@code [0, 1]}, naming the parameter. */
  static void fraction(String name, double depth) {
    if (!(depth >= 0.0 && depth <= 1.0)) {
      throw new IllegalArgumentException(name + " = " + depth + ": must be within [0, 1]");
    }
  }

  /** A depth as split names write it: two decimals. */
  static String depth(double depth) {
    return String.format(Locale.ROOT, "%.2f", depth);
  }
}
