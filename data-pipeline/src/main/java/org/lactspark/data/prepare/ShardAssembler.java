package org.lactspark.data.prepare;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.data.dataset.ShardWriter;

/**
 * Joins the sorted fragments of one shard back into sequences and writes them, checking that the
 * shard holds exactly its sequences, each whole: a gap would be a bug upstream, never silently
 * written.
 */
final class ShardAssembler {
  private ShardAssembler() {}

  /**
   * Writes the sequences {@code first..first+count-1} of a split from {@code fragments} (sorted by
   * {@link Fragment.Key}).
   *
   * @param fullLength L, the length every sequence but the split's last must have in concat
   *     packing (0 when sequences may be shorter: document packing)
   * @param lastSequence the split's last sequence index
   */
  static void write(Iterator<Fragment> fragments, ShardWriter out, long first, long count, int fullLength,
      long lastSequence) throws IOException {
    long expected = first;
    int[] tokens = new int[0];
    int size = 0;
    List<Integer> starts = new ArrayList<>();
    while (fragments.hasNext()) {
      Fragment f = fragments.next();
      if (f.sequence() != expected) {
        long want = size == 0 ? expected : expected + 1;
        if (f.sequence() != want) {
          throw new IllegalStateException("shard of sequences " + first + ".." + (first + count - 1)
              + ": fragment of sequence " + f.sequence() + " where sequence " + want + " was expected");
        }
        flush(out, tokens, size, starts, expected, fullLength, lastSequence);
        expected++;
        size = 0;
        starts.clear();
      }
      if (f.offset() != size) {
        throw new IllegalStateException("sequence " + expected + ": fragment at offset " + f.offset()
            + " after " + size + " tokens");
      }
      if (size + f.tokens().length > tokens.length) {
        tokens = Arrays.copyOf(tokens, Math.max(size + f.tokens().length, 2 * tokens.length));
      }
      System.arraycopy(f.tokens(), 0, tokens, size, f.tokens().length);
      size += f.tokens().length;
      for (int p : f.starts()) {
        starts.add(p);
      }
    }
    if (size == 0 || expected != first + count - 1) {
      throw new IllegalStateException("shard of sequences " + first + ".." + (first + count - 1) + " ended at "
          + (size == 0 ? "nothing" : "sequence " + expected));
    }
    flush(out, tokens, size, starts, expected, fullLength, lastSequence);
  }

  private static void flush(ShardWriter out, int[] tokens, int size, List<Integer> starts, long seq, int fullLength,
      long lastSequence) throws IOException {
    if (fullLength > 0 && seq != lastSequence && size != fullLength) {
      throw new IllegalStateException("sequence " + seq + " has " + size + " tokens, expected " + fullLength);
    }
    out.write(new PackedSequence(Arrays.copyOf(tokens, size), starts.stream().mapToInt(Integer::intValue).toArray()));
  }
}
