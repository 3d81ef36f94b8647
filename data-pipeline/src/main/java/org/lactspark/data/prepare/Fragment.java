package org.lactspark.data.prepare;

import java.io.Serializable;
import java.util.Comparator;

/**
 * Consecutive tokens of one output sequence as one partition of the pack stage saw them: a whole
 * sequence, or the head or tail of one whose tokens straddle two partitions.
 *
 * @param split {@link Split#ordinal()}
 * @param sequence the sequence's index in its split
 * @param offset where in the sequence the tokens begin
 * @param tokens the tokens
 * @param starts positions in the sequence (not in the fragment) where a document begins
 */
record Fragment(int split, long sequence, int offset, int[] tokens, int[] starts) implements Serializable {
  /** The order in which fragments are assembled: by split, sequence, offset. */
  record Key(int split, long sequence, int offset) implements Serializable, Comparable<Key> {
    private static final Comparator<Key> ORDER = Comparator.comparingInt(Key::split)
        .thenComparingLong(Key::sequence).thenComparingInt(Key::offset);

    @Override
    public int compareTo(Key o) {
      return ORDER.compare(this, o);
    }
  }

  Key key() {
    return new Key(split, sequence, offset);
  }
}
