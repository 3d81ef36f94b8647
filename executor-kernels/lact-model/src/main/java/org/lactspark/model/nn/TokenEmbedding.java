package org.lactspark.model.nn;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Token embedding lookup {@code h = E[ids]} with {@code E [V, d]}; no positional embedding. */
public final class TokenEmbedding {
  private TokenEmbedding() {}

  /**
   * Token ids of {@code ids [B, L]} (integral values stored as floating point, the way DL4J feeds
   * features), in row-major order.
   *
   * @throws IllegalArgumentException naming the position of a value that is not an id below
   *     {@code vocab}
   */
  public static int[] ids(INDArray ids, int vocab) {
    if (ids.rank() != 2) {
      throw new IllegalArgumentException("token ids: expected [batch, length], got shape "
          + java.util.Arrays.toString(ids.shape()));
    }
    double[] raw = ids.dup('c').data().asDouble();
    int len = (int) ids.size(1);
    int[] out = new int[raw.length];
    for (int i = 0; i < raw.length; i++) {
      double v = raw[i];
      if (v != Math.rint(v) || v < 0 || v >= vocab) {
        throw new IllegalArgumentException("token ids: value " + v + " at [" + i / len + ", " + i % len
            + "] is not an integer in [0, " + vocab + ")");
      }
      out[i] = (int) v;
    }
    return out;
  }

  /** The rows of {@code table} for {@code ids}: {@code [ids.length, d]}. */
  public static INDArray forward(INDArray table, int[] ids) {
    return Nd4j.pullRows(table, 1, ids);
  }

  /**
   * Writes {@code dE}: the sum of {@code dy}'s rows per id, zero for ids not present and for
   * {@code padId} (nn.Embedding's {@code padding_idx}: read normally, never trained; -1 for none).
   */
  public static void backward(int[] ids, INDArray dy, INDArray dTable, int padId) {
    dTable.assign(0.0);
    int d = (int) dy.size(1);
    double[] g = dy.dup('c').data().asDouble();
    Map<Integer, double[]> sums = new LinkedHashMap<>();
    for (int r = 0; r < ids.length; r++) {
      if (ids[r] == padId) {
        continue;
      }
      double[] acc = sums.computeIfAbsent(ids[r], id -> new double[d]);
      for (int c = 0; c < d; c++) {
        acc[c] += g[r * d + c];
      }
    }
    for (Map.Entry<Integer, double[]> e : sums.entrySet()) {
      dTable.putRow(e.getKey(), Nd4j.create(e.getValue()).castTo(dTable.dataType()));
    }
  }
}
