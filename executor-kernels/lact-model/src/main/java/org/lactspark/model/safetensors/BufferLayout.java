package org.lactspark.model.safetensors;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The whole-buffer rule: sorted by offset, the tensors cover the byte buffer exactly once. Holes
 * would be bytes no one can account for (a sign of a damaged or hand-edited file), and overlaps
 * would let one write alias two tensors.
 */
final class BufferLayout {
  private BufferLayout() {}

  /** The tensors in buffer order, after checking they tile {@code [0, bufferLength)}. */
  static List<TensorInfo> check(List<TensorInfo> tensors, long bufferLength, String source)
      throws IOException {
    List<TensorInfo> sorted = new ArrayList<>(tensors);
    // by end as well, so zero-size tensors at an offset come before the one that starts there
    sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    long cursor = 0;
    TensorInfo previous = null;
    for (TensorInfo t : sorted) {
      if (t.begin() > cursor) {
        String before = previous == null
            ? "the start of the byte buffer"
            : "tensor '" + previous.name() + "' (ends at " + cursor + ")";
        throw new IOException(source + ": hole in the byte buffer: bytes [" + cursor + ", "
            + t.begin() + ") between " + before + " and tensor '" + t.name()
            + "' belong to no tensor");
      }
      if (t.begin() < cursor) {
        throw new IOException(source + ": tensors '" + previous.name() + "' [" + previous.begin()
            + ", " + previous.end() + "] and '" + t.name() + "' [" + t.begin() + ", " + t.end()
            + "] overlap in the byte buffer");
      }
      cursor = t.end();
      previous = t;
    }
    if (cursor != bufferLength) {
      String last = previous == null ? "no tensor" : "the last tensor '" + previous.name() + "'";
      throw new IOException(source + ": hole in the byte buffer: it holds " + bufferLength
          + " bytes but " + last + " ends at " + cursor + ", so bytes [" + cursor + ", "
          + bufferLength + ") belong to no tensor");
    }
    return sorted;
  }
}
