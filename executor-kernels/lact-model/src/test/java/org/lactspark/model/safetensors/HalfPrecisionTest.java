package org.lactspark.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HalfPrecisionTest {

  private static float f16(int bits) {
    return HalfPrecision.float16ToFloat((short) bits);
  }

  private static int bf16(float f) {
    return HalfPrecision.floatToBfloat16(f) & 0xFFFF;
  }

  /** Compares bit patterns, so -0.0 and 0.0 differ and NaN equals NaN. */
  private static void assertSameFloat(float expected, float actual) {
    assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(actual),
        () -> "expected " + expected + " but was " + actual);
  }

  @Test
  void float16KnownPatterns() {
    assertSameFloat(1.0f, f16(0x3C00));
    assertSameFloat(-2.0f, f16(0xC000));
    assertSameFloat(0x1p-24f, f16(0x0001)); // smallest subnormal
    assertSameFloat(1023 * 0x1p-24f, f16(0x03FF)); // largest subnormal
    assertSameFloat(0x1p-14f, f16(0x0400)); // smallest normal
    assertSameFloat(65504.0f, f16(0x7BFF)); // largest finite
    assertSameFloat(Float.POSITIVE_INFINITY, f16(0x7C00));
    assertSameFloat(Float.NEGATIVE_INFINITY, f16(0xFC00));
    assertSameFloat(-0.0f, f16(0x8000));
    assertSameFloat(0.0f, f16(0x0000));
    assertSameFloat(-0x1p-24f, f16(0x8001));
    assertTrue(Float.isNaN(f16(0x7E00)));
    assertTrue(Float.isNaN(f16(0x7C01))); // signalling pattern, lowest payload bit only
    assertTrue(Float.isNaN(f16(0xFFFF)));
  }

  /** Every one of the 65536 patterns against the textbook formula, evaluated in double. */
  @Test
  void float16AllPatternsMatchTheFormula() {
    for (int h = 0; h <= 0xFFFF; h++) {
      int sign = h >>> 15;
      int exponent = (h >>> 10) & 0x1F;
      int mantissa = h & 0x3FF;
      double expected;
      if (exponent == 31) {
        expected = mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
      } else if (exponent == 0) {
        expected = mantissa * Math.pow(2, -24);
      } else {
        expected = (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
      }
      if (sign == 1) {
        expected = -expected;
      }
      double actual = f16(h);
      assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(actual),
          "pattern 0x" + Integer.toHexString(h));
    }
  }

  @Test
  void bfloat16KnownPatterns() {
    assertSameFloat(1.0f, HalfPrecision.bfloat16ToFloat((short) 0x3F80));
    assertSameFloat(-2.0f, HalfPrecision.bfloat16ToFloat((short) 0xC000));
    assertSameFloat(-0.0f, HalfPrecision.bfloat16ToFloat((short) 0x8000));
    assertSameFloat(Float.POSITIVE_INFINITY, HalfPrecision.bfloat16ToFloat((short) 0x7F80));
    assertSameFloat(0x1p-133f, HalfPrecision.bfloat16ToFloat((short) 0x0001)); // subnormal
    assertTrue(Float.isNaN(HalfPrecision.bfloat16ToFloat((short) 0x7FC0)));
  }

  @Test
  void bfloat16RoundsToNearestEven() {
    assertEquals(0x3F80, bf16(1.0f));
    assertEquals(0x3F80, bf16(1.00390625f)); // 1 + 2^-8, a tie: down to the even 1.0
    assertEquals(0x3F82, bf16(1.01171875f)); // 1 + 3*2^-8, a tie: up to the even 1.015625
    assertEquals(0x3F81, bf16(Math.nextUp(1.00390625f))); // just above the tie: up
    assertEquals(0x3F81, bf16(Math.nextDown(1.01171875f))); // just below the tie: down
    assertEquals(0xBF80, bf16(-1.00390625f));
    assertEquals(0x8000, bf16(-0.0f));
    assertEquals(0x7F80, bf16(Float.MAX_VALUE)); // beyond the largest bfloat16
    assertEquals(0xFF80, bf16(Float.NEGATIVE_INFINITY));
    // 0x1.FFp127 is the tie between the largest bfloat16 (odd 0x7F7F) and infinity (even 0x7F80)
    assertEquals(0x7F80, bf16(0x1.FFp127f));
    assertEquals(0x7F7F, bf16(Math.nextDown(0x1.FFp127f)));
  }

  @Test
  void bfloat16KeepsNaNs() {
    // a NaN with only low payload bits would truncate to the infinity 0x7F80
    float lowPayloadNaN = Float.intBitsToFloat(0x7F800001);
    assertTrue(Float.isNaN(lowPayloadNaN));
    assertTrue(Float.isNaN(HalfPrecision.bfloat16ToFloat(HalfPrecision.floatToBfloat16(lowPayloadNaN))));
    assertTrue(Float.isNaN(HalfPrecision.bfloat16ToFloat(HalfPrecision.floatToBfloat16(Float.NaN))));
    assertTrue(Float.isNaN(HalfPrecision.bfloat16ToFloat(HalfPrecision.doubleToBfloat16(Double.NaN))));
  }

  /** Random values at, just above and just below bfloat16 ties, against an exact reference. */
  @Test
  void floatToBfloat16MatchesExactRounding() {
    Random random = new Random(42);
    for (int i = 0; i < 50_000; i++) {
      int bits = random.nextInt(0x7F7F); // finite positive bfloat16 below the largest
      float tie = Float.intBitsToFloat((bits << 16) | 0x8000);
      for (float x : new float[] {tie, Math.nextUp(tie), Math.nextDown(tie),
          Float.intBitsToFloat(random.nextInt(0x7F7F0000))}) {
        assertEquals(referenceBfloat16(x), bf16(x), () -> "x=" + x);
        assertEquals(referenceBfloat16(x) | 0x8000, bf16(-x), () -> "x=-" + x);
      }
    }
  }

  @Test
  void doubleToBfloat16RoundsOnceNotTwice() {
    // just above the tie 1 + 2^-8: rounding to float first would land on the tie and go down to 1.0
    double justAboveTie = 1.00390625 + 0x1p-30;
    assertEquals(1.00390625f, (float) justAboveTie);
    assertEquals(0x3F81, HalfPrecision.doubleToBfloat16(justAboveTie) & 0xFFFF);
    assertEquals(0x3F80, HalfPrecision.doubleToBfloat16(1.00390625) & 0xFFFF);
    assertEquals(0x3F80, HalfPrecision.doubleToBfloat16(1.00390625 - 0x1p-30) & 0xFFFF);
    assertEquals(0x0000, HalfPrecision.doubleToBfloat16(1e-300) & 0xFFFF); // underflow to +0
    assertEquals(0x8000, HalfPrecision.doubleToBfloat16(-1e-300) & 0xFFFF);
    assertEquals(0x7F80, HalfPrecision.doubleToBfloat16(1e300) & 0xFFFF);
  }

  @Test
  void doubleToBfloat16MatchesExactRounding() {
    Random random = new Random(7);
    for (int i = 0; i < 30_000; i++) {
      int bits = random.nextInt(0x7F7F);
      double tie = (HalfPrecision.bfloat16ToFloat((short) bits)
          + (double) HalfPrecision.bfloat16ToFloat((short) (bits + 1))) / 2;
      double tiny = Math.ulp(tie) * (1 + random.nextInt(1 << 20));
      for (double x : new double[] {tie, tie + tiny, tie - tiny, Math.nextUp(tie), Math.nextDown(tie)}) {
        assertEquals(referenceBfloat16(x), HalfPrecision.doubleToBfloat16(x) & 0xFFFF, () -> "x=" + x);
      }
    }
  }

  /** The nearest bfloat16 to a finite positive {@code x} in range, ties to even, with BigDecimal. */
  private static int referenceBfloat16(double x) {
    BigDecimal exact = new BigDecimal(x);
    int truncated = Float.floatToRawIntBits((float) x) >>> 16;
    int best = -1;
    BigDecimal bestDistance = null;
    for (int c = Math.max(0, truncated - 1); c <= truncated + 1; c++) {
      BigDecimal d = new BigDecimal(HalfPrecision.bfloat16ToFloat((short) c)).subtract(exact).abs();
      int cmp = bestDistance == null ? -1 : d.compareTo(bestDistance);
      if (cmp < 0 || (cmp == 0 && (c & 1) == 0)) {
        best = c;
        bestDistance = d;
      }
    }
    return best;
  }
}
