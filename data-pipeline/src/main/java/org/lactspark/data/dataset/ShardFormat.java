package org.lactspark.data.dataset;

import java.util.List;

/**
 * The binary layout of one shard file, version 2 (all integers little-endian, unsigned):
 *
 * <pre>
 * header   16 bytes: "LSEQ" | u16 version (2) | u8 token bytes (1, 2 or 4) | u8 flags (0)
 *                    | u32 sequence length L | u32 reserved (0)
 * record   per sequence: u32 tokens n (1..L) | u32 starts s (0..n) | u32 answer spans a (0..n)
 *                    | s x u32 document starts | a x (u32 start, u32 end) answer spans
 *                    | n x token ids of the header's width
 * trailer  16 bytes: "LEND" | u32 reserved (0) | u64 number of records
 * </pre>
 *
 * <p>Why a custom format: sequences are read in order, from a cursor, by executors that have
 * neither Spark nor Hadoop on a GPU host; a record needs only its three counts to be skipped,
 * tokens take the smallest width that holds the vocabulary, and the trailer makes a truncated or
 * half-written file detectable on its own (the manifest's SHA-256 then guards the content).
 *
 * <p>Answer spans ({@link PackedSequence.Span}) are half-open token ranges {@code [start, end)}
 * inside {@code [0, n)}, non-empty, sorted and not overlapping; their tokens are what an evaluator
 * scores (evaluation probes), and training data has none ({@code a = 0}). They live in the record,
 * not in a side file, so a probe is one dataset like any other and its spans cannot drift from its
 * tokens. Version 2 added them; version 1 was never released, so readers know only version 2.
 */
public final class ShardFormat {
  /** The first four bytes of a shard. */
  static final byte[] MAGIC = {'L', 'S', 'E', 'Q'};
  /** The first four bytes of the trailer. */
  static final byte[] END = {'L', 'E', 'N', 'D'};
  /** The layout version this code writes and reads. */
  public static final int VERSION = 2;
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

  /**
   * What is wrong with {@code spans} for a sequence of {@code n} tokens, naming the span, or null
   * when they are valid: each within {@code [0, n)}, non-empty, after the previous one's end. The
   * writer and the reader share it, so they accept exactly the same records.
   */
  static String spanProblem(List<PackedSequence.Span> spans, int n) {
    int previousEnd = 0;
    for (int i = 0; i < spans.size(); i++) {
      PackedSequence.Span s = spans.get(i);
      if (s.start() < 0 || s.end() > n || s.start() >= s.end()) {
        return "answer span " + i + " " + s + " must be a non-empty range within [0, " + n + ")";
      }
      if (s.start() < previousEnd) {
        return "answer span " + i + " " + s + " overlaps or precedes span " + (i - 1) + " " + spans.get(i - 1)
            + " (spans must be sorted and disjoint)";
      }
      previousEnd = s.end();
    }
    return null;
  }
}
