package org.lactspark.kernel.nd4j;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Frees ND4J arrays at a known point instead of whenever the garbage collector gets to them.
 *
 * <p>Why: ND4J frees a native buffer only after the JVM has collected its Java wrapper, and the
 * wrappers are small, so a training step piles up gigabytes of dead buffers between collections
 * and every new array lands on fresh pages. Touching fresh pages is what dominated the model's
 * training step on the build machine (about 5 ms for a 2 MB array, against 0.13 ms when the
 * previous buffer was closed and its memory reused: NOTES.md).
 *
 * <p>Rules of use: {@link #own} only arrays that were freshly produced by an op or a factory and
 * that nothing outside the owner holds; never a parameter, an input handed in by a caller, a view,
 * a reshape or a transpose of someone else's array. After {@link #close()} the owned arrays (and
 * every view of them) refuse to be used: ND4J throws "argument was closed" rather than reading
 * freed memory, so an early close fails loudly.
 */
public final class Tape implements AutoCloseable {
  private final List<INDArray> owned = new ArrayList<>();

  /** Takes ownership of {@code a} (null, views and workspace arrays are ignored) and returns it. */
  public INDArray own(INDArray a) {
    if (a != null && !a.isView() && a.closeable()) {
      owned.add(a);
    }
    return a;
  }

  /** Takes ownership of each array, as {@link #own(INDArray)}. */
  public void ownAll(INDArray... arrays) {
    for (INDArray a : arrays) {
      own(a);
    }
  }

  /**
   * Frees each array now (nulls, views and workspace arrays are skipped, and so are arrays freed
   * already), under the same rules as {@link #own}.
   */
  public static void free(INDArray... arrays) {
    for (INDArray a : arrays) {
      if (a != null && !a.isView() && a.closeable() && !a.wasClosed()) {
        a.close();
      }
    }
  }

  /** Frees every owned array not freed yet, newest first; the tape can be used again afterwards. */
  @Override
  public void close() {
    for (int i = owned.size() - 1; i >= 0; i--) {
      INDArray a = owned.get(i);
      if (!a.wasClosed()) {
        a.close();
      }
    }
    owned.clear();
  }
}
