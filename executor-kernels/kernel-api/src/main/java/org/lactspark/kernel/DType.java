package org.lactspark.kernel;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The numeric precision a backend computes in. Inputs and outputs cross the API in float64. */
public enum DType {
  /** IEEE double; the precision of the golden vectors and of the reference. */
  FLOAT64("float64"),
  /** IEEE single. */
  FLOAT32("float32"),
  /** bfloat16 operands with float32 accumulation (GPU backends). */
  BFLOAT16("bfloat16");

  private final String cliName;

  DType(String cliName) {
    this.cliName = cliName;
  }

  /** The name used on the command line and in result files, for example {@code float32}. */
  public String cliName() {
    return cliName;
  }

  /**
   * Parses a command-line name.
   *
   * @throws IllegalArgumentException naming the value and the accepted names
   */
  public static DType parse(String name) {
    String lower = name.trim().toLowerCase(Locale.ROOT);
    for (DType t : values()) {
      if (t.cliName.equals(lower)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "unknown dtype '"
            + name
            + "': expected one of "
            + Arrays.stream(values()).map(DType::cliName).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return cliName;
  }
}
