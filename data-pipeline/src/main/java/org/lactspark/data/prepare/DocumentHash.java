package org.lactspark.data.prepare;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A document's content hash (the first 64 bits of the SHA-256 of its UTF-8 text), fed chunk by
 * chunk, and what follows from it: the split (the same text always lands in the same split, whatever
 * the seed, the tokenizer or the file it came from) and the seeded shuffle order.
 */
final class DocumentHash {
  private static final long SPLIT_SALT = 0x5DEECE66DL;
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private final MessageDigest sha = sha256();
  private final CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder();
  private final ByteBuffer bytes = ByteBuffer.allocate(1 << 16);

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  /** Starts a new document. */
  void reset() {
    sha.reset();
    utf8.reset();
  }

  /** Adds text (whole characters; chunks never split a surrogate pair). */
  void add(String text) {
    CharBuffer in = CharBuffer.wrap(text);
    while (in.hasRemaining()) {
      bytes.clear();
      utf8.encode(in, bytes, true);
      bytes.flip();
      sha.update(bytes);
    }
  }

  /** The document's 64-bit content hash; resets for the next document. */
  long finish() {
    return ByteBuffer.wrap(sha.digest()).getLong();
  }

  /** Whether a document with content hash {@code h} belongs to the validation split. */
  static boolean validation(long h, double fraction) {
    return unit(mix(h ^ SPLIT_SALT)) < fraction;
  }

  /** The shuffle order of a document with content hash {@code h} under {@code seed}. */
  static long order(long h, long seed) {
    return mix(h + (seed + 1) * GOLDEN);
  }

  /** A uniform double in [0, 1) from the top 53 bits. */
  static double unit(long x) {
    return (x >>> 11) * 0x1.0p-53;
  }

  /** {@link org.lactspark.data.Hashing#mix}. */
  static long mix(long z) {
    return org.lactspark.data.Hashing.mix(z);
  }
}
