package org.lactspark.model.safetensors;

/**
 * Conversions between float and the 16-bit formats of the safetensors files: IEEE 754 binary16
 * ({@code F16}) and bfloat16 ({@code BF16}). Java 17 has no {@code Float.float16ToFloat}, so the
 * bit manipulation is written out here. Decoding is exact (every 16-bit value is a float);
 * encoding to bfloat16 rounds to nearest, ties to even, as PyTorch does.
 */
public final class HalfPrecision {
  private HalfPrecision() {}

  /**
   * The float of an IEEE binary16 bit pattern: subnormals, signed zeros and infinities exactly, a
   * NaN as a NaN (its payload shifted into the float's).
   */
  public static float float16ToFloat(short bits) {
    int h = bits & 0xFFFF;
    int sign = (h & 0x8000) << 16;
    int exponent = (h >>> 10) & 0x1F;
    int mantissa = h & 0x3FF;
    if (exponent == 0) {
      // zero or subnormal: mantissa * 2^-24, exact in float (10 significant bits, exponent >= -24)
      float magnitude = Math.scalb((float) mantissa, -24);
      return sign == 0 ? magnitude : -magnitude;
    }
    if (exponent == 0x1F) {
      // infinity when the mantissa is zero, NaN otherwise
      return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
    }
    // normal: rebias the exponent from 15 to 127 and widen the mantissa from 10 to 23 bits
    return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
  }

  /** The float of a bfloat16 bit pattern: bfloat16 is the upper half of a float, so this is exact. */
  public static float bfloat16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }

  /**
   * The bfloat16 nearest to {@code f}, ties to even; values beyond the largest bfloat16 become
   * infinities, and a NaN stays a NaN (plain truncation could turn a NaN with only low payload bits
   * into an infinity).
   */
  public static short floatToBfloat16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) ((bits >>> 16) | 0x0040);
    }
    // adding 0x7FFF rounds the dropped half up when it exceeds one half; the kept lowest bit
    // decides an exact tie, which makes ties go to even. A carry into the exponent is correct too.
    int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
    return (short) (rounded >>> 16);
  }

  /**
   * The bfloat16 nearest to {@code d}, ties to even. Rounding {@code d} to float first and then to
   * bfloat16 could round twice the wrong way (a value just above a bfloat16 tie may become the tie
   * itself in float), so the float step rounds to odd, which keeps the second rounding exact.
   */
  public static short doubleToBfloat16(double d) {
    return floatToBfloat16(roundToOddFloat(d));
  }

  /** {@code d} rounded to a float with the round-to-odd rule (inexact results get an odd last bit). */
  static float roundToOddFloat(double d) {
    float f = (float) d;
    if (Double.isNaN(d) || (double) f == d) {
      return f;
    }
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 1) != 0) {
      return f;
    }
    // f and its neighbour towards d bracket d; the neighbour is the odd one. Stepping the bit
    // pattern moves the magnitude, which also turns an infinity into the largest float and a zero
    // into the smallest subnormal, both as round-to-odd wants.
    boolean magnitudeAbove = Math.abs((double) f) > Math.abs(d);
    return Float.intBitsToFloat(magnitudeAbove ? bits - 1 : bits + 1);
  }
}
