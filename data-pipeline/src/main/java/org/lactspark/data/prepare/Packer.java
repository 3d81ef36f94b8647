package org.lactspark.data.prepare;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Packs one partition of the globally sorted document pieces into sequence {@link Fragment}s,
 * given where the partition's tokens start in each split: a token offset for {@code concat}
 * packing (documents back to back, a sequence every L tokens), a sequence index for {@code
 * document} packing (each document alone, split every L tokens). With those offsets from {@link
 * Counts} of the partitions before, every partition packs on its own and the result is the same
 * however the pieces were partitioned.
 */
final class Packer {
  private final int length;
  private final boolean documentPacking;
  private final Builder[] open = new Builder[Split.values().length];
  private final long[] position;
  private final boolean[] startPending = new boolean[Split.values().length];
  private final List<Fragment> out = new ArrayList<>();

  /**
   * @param length the sequence length L
   * @param documentPacking whether each document is packed alone
   * @param start per split, the token offset (concat) or the sequence index (document) of the
   *     partition's first piece
   */
  Packer(int length, boolean documentPacking, long[] start) {
    this.length = length;
    this.documentPacking = documentPacking;
    this.position = start.clone();
  }

  /**
   * What a partition holds, per split ({@link Split#ordinal()}): documents, tokens, and the
   * sequences that document packing makes of them.
   */
  record Counts(long[] documents, long[] tokens, long[] documentSequences) implements java.io.Serializable {}

  /** Counts a partition's pieces, fed in sorted order. */
  static final class Counter {
    private final int length;
    private final long[] documents = new long[Split.values().length];
    private final long[] tokens = new long[Split.values().length];
    private final long[] documentSequences = new long[Split.values().length];
    private int split = -1;
    private long docTokens;

    Counter(int length) {
      this.length = length;
    }

    void add(DocumentKey key, DocumentPiece piece) {
      if (key.piece() == 0) {
        endDocument();
        split = piece.split();
        documents[split]++;
      }
      docTokens += piece.tokens().length;
      tokens[piece.split()] += piece.tokens().length;
    }

    private void endDocument() {
      if (split >= 0) {
        documentSequences[split] += sequencesOf(docTokens, length);
      }
      split = -1;
      docTokens = 0;
    }

    Counts finish() {
      endDocument();
      return new Counts(documents.clone(), tokens.clone(), documentSequences.clone());
    }
  }

  /** Adds the next piece (in sorted order); returns the fragments it completed. */
  List<Fragment> add(DocumentKey key, DocumentPiece piece) {
    out.clear();
    int s = piece.split();
    if (key.piece() == 0) {
      if (documentPacking) {
        emit(s);
        open[s] = new Builder(position[s]++, 0, length);
        open[s].starts.add(0);
      } else {
        startPending[s] = true;
      }
    }
    int[] t = piece.tokens();
    for (int i = 0; i < t.length; ) {
      Builder b = builderFor(s);
      if (startPending[s]) {
        b.starts.add(b.offset + b.size);
        startPending[s] = false;
      }
      int take = Math.min(t.length - i, length - (b.offset + b.size));
      b.append(t, i, take);
      i += take;
      if (!documentPacking) {
        position[s] += take;
      }
    }
    return List.copyOf(out);
  }

  private Builder builderFor(int s) {
    Builder b = open[s];
    if (documentPacking) {
      if (b.offset + b.size == length) {
        emit(s);
        b = open[s] = new Builder(position[s]++, 0, length);
      }
      return b;
    }
    long seq = position[s] / length;
    if (b == null || b.sequence != seq) {
      emit(s);
      int offset = (int) (position[s] % length);
      b = open[s] = new Builder(seq, offset, length - offset);
    }
    return b;
  }

  /** Emits what is still open (the partition's last fragments). */
  List<Fragment> finish() {
    out.clear();
    for (int s = 0; s < open.length; s++) {
      emit(s);
    }
    return List.copyOf(out);
  }

  private void emit(int s) {
    Builder b = open[s];
    if (b != null && b.size > 0) {
      int[] tokens = b.size == b.tokens.length ? b.tokens : Arrays.copyOf(b.tokens, b.size);
      out.add(new Fragment(s, b.sequence, b.offset, tokens, b.starts.stream()
          .mapToInt(Integer::intValue).toArray()));
    }
    open[s] = null;
  }

  /** Sequences that {@code tokens} tokens of one document fill when packed alone. */
  static long sequencesOf(long tokens, int length) {
    return (tokens + length - 1) / length;
  }

  private static final class Builder {
    final long sequence;
    final int offset;
    final int[] tokens;
    int size;
    final List<Integer> starts = new ArrayList<>();

    /** A fragment that can grow to {@code room} tokens (the rest of its sequence). */
    Builder(long sequence, int offset, int room) {
      this.sequence = sequence;
      this.offset = offset;
      this.tokens = new int[room];
    }

    void append(int[] src, int from, int n) {
      System.arraycopy(src, from, tokens, size, n);
      size += n;
    }
  }
}
