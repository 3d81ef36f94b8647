package org.lactspark.data.dataset;

/**
 * The binary layout of one shard file, version 1 (all integers little-endian, unsigned):
 *
 * <pre>
 * header   16 bytes: "LSEQ" | u16 version (1) | u8 token bytes (1, 2 or 4) | u8 flags (0)
 *                    | u32 sequence length L | u32 reserved (0)
 * record   per sequence: u32 tokens n (1..L) | u32 starts s | s x u32 document starts
 *                    | n x token ids of the header's width
 * trailer  16 bytes: "LEND" | u32 reserved (0) | u64 number of records
 * </pre>
 *
 * <p>Why a custom format: sequences are read in order, from a cursor, by executors that have
 * neither Spark nor Hadoop on a GPU host; a record needs only its length to be skipped, tokens take
 * the smallest width that holds the vocabulary, and the trailer makes a truncated or half-written
 * file detectable on its own (the manifest's SHA-256 then guards the content).
 */
public final class ShardFormat {
  /** The first four bytes of a shard. */
  static final byte[] MAGIC = {'L', 'S', 'E', 'Q'};
  /** The first four bytes of the trailer. */
  static final byte[] END = {'L', 'E', 'N', 'D'};
  /** The layout version this code writes and reads. */
  public static final int VERSION = 1;
  static final int HEADER_BYTES = 16;
  static final int TRAILER_BYTES = 16;

  private ShardFormat() {}

  /** The narrowest token width (1, 2 or 4 bytes) that holds ids {@code 0..vocabSize-1}. */
  public static int tokenBytesFor(int vocabSize) {
    if (vocabSize < 1) {
      throw new IllegalArgumentException("vocabulary size must be >= 1, got " + vocabSize);
    }
    if (vocabSize <= 1 << 8) {
      return 1;
    }
    return vocabSize <= 1 << 16 ? 2 : 4;
  }

  /** Whether {@code id} fits in {@code tokenBytes} unsigned bytes. */
  static boolean fits(int id, int tokenBytes) {
    return id >= 0 && (tokenBytes == 4 || id < 1 << (8 * tokenBytes));
  }
}
