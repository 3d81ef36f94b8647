package org.lactspark.kernel.cuda;

import java.util.Locale;

/**
 * How a bfloat16 kernel computes the update path: each chunk's gradient products and
 * Newton-Schulz. Chosen by the system property {@value #PROPERTY}; float32 and float64 kernels
 * ignore it (their update path is in their own precision).
 */
enum UpdatePath {
  /** bf16 operands with fp32 accumulation, as the official op computes it (the default). */
  BF16("bf16", NativeLact.UPDATE_BF16),
  /** fp32 operands on TF32 tensor cores: faster than fp32, closer to float32 than bf16. */
  TF32("tf32", NativeLact.UPDATE_TF32),
  /** fp32 operands and arithmetic, no TF32. */
  FP32("fp32", NativeLact.UPDATE_FP32);

  /** System property choosing the update path of bfloat16 kernels. */
  static final String PROPERTY = "lact.cuda.update";

  private final String value;
  private final int code;

  UpdatePath(String value, int code) {
    this.value = value;
    this.code = code;
  }

  /** The value of {@value #PROPERTY} that selects it. */
  String value() {
    return value;
  }

  /** The {@code update} code of {@link NativeLact}. */
  int code() {
    return code;
  }

  /**
   * The path {@value #PROPERTY} selects (default {@link #BF16}).
   *
   * @throws IllegalArgumentException naming the property and its value if it is none of them
   */
  static UpdatePath fromSystemProperty() {
    String v = System.getProperty(PROPERTY);
    return v == null ? BF16 : parse(v);
  }

  /**
   * Parses a value of {@value #PROPERTY}, ignoring case and surrounding blanks.
   *
   * @throws IllegalArgumentException naming the property and the value
   */
  static UpdatePath parse(String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    for (UpdatePath p : values()) {
      if (p.value.equals(s)) {
        return p;
      }
    }
    throw new IllegalArgumentException(PROPERTY + " = '" + v + "': expected bf16 (the official op's, default), tf32 or fp32");
  }

  @Override
  public String toString() {
    return value;
  }
}
