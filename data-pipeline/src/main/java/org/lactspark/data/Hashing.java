package org.lactspark.data;

/** 64-bit mixing shared by the seeded choices of the pipeline (shuffle order, splits, probe seeds). */
public final class Hashing {
  private Hashing() {}

  /** SplitMix64's finaliser: every input bit affects every output bit. */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
