package org.lactspark.model.nn;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The sequence mask of a batch, {@code [B, L]}: 0 marks padding; a positive integer marks a real
 * token and names its document, so a plain 0/1 mask is one document per sequence and a packed
 * sequence carries document numbers (a new document starts wherever the value changes). It rides
 * through the DL4J graph as the feature mask array.
 *
 * <p>Padding never writes into the fast weights and is never attended to. In document-restart
 * mode each document is cut out into its own row ({@link #packDocuments()}), so the TTT state,
 * the attention window and the RoPE positions all restart at each document start.
 */
public final class Segments {
  private final int batch;
  private final int len;
  private final double[] values;

  private Segments(int batch, int len, double[] values) {
    this.batch = batch;
    this.len = len;
    this.values = values;
  }

  /**
   * The segments of a {@code [B, L]} mask, or of an all-ones mask when {@code mask} is null.
   *
   * @throws IllegalArgumentException naming the shape or the position of a bad value
   */
  public static Segments of(INDArray mask, int batch, int len) {
    double[] v = new double[batch * len];
    if (mask == null) {
      java.util.Arrays.fill(v, 1.0);
      return new Segments(batch, len, v);
    }
    if (mask.rank() != 2 || mask.size(0) != batch || mask.size(1) != len) {
      throw new IllegalArgumentException("mask: expected shape [" + batch + ", " + len + "], got "
          + java.util.Arrays.toString(mask.shape()));
    }
    v = mask.dup('c').data().asDouble();
    for (int i = 0; i < v.length; i++) {
      if (!(v[i] >= 0) || v[i] != Math.rint(v[i])) {
        throw new IllegalArgumentException("mask: value " + v[i] + " at [" + i / len + ", " + i % len
            + "] is not 0 (padding) or a positive document number");
      }
    }
    return new Segments(batch, len, v);
  }

  /** 1 for real tokens, 0 for padding, {@code [B, L]}. */
  public INDArray validMask(DataType dt) {
    double[] m = new double[values.length];
    for (int i = 0; i < m.length; i++) {
      m[i] = values[i] > 0 ? 1.0 : 0.0;
    }
    return Nd4j.create(m, new long[] {batch, len}).castTo(dt);
  }

  /** Whether any position is padding. */
  public boolean hasPadding() {
    for (double v : values) {
      if (v <= 0) {
        return true;
      }
    }
    return false;
  }

  /** Each maximal run of one positive document number as its own row. */
  public Packing packDocuments() {
    List<int[]> runs = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      int t = 0;
      while (t < len) {
        double id = values[b * len + t];
        int start = t;
        while (t < len && values[b * len + t] == id) {
          t++;
        }
        if (id > 0) {
          runs.add(new int[] {b, start, t - start});
        }
      }
    }
    return new Packing(batch, len, runs);
  }

  /**
   * Documents cut out of a {@code [B, L, ...]} batch into rows {@code [D, maxLen, ...]}, padded at
   * the end, and put back.
   */
  public static final class Packing {
    private final int batch;
    private final int len;
    private final List<int[]> runs;
    private final int maxLen;

    Packing(int batch, int len, List<int[]> runs) {
      this.batch = batch;
      this.len = len;
      this.runs = runs;
      this.maxLen = runs.stream().mapToInt(r -> r[2]).max().orElse(0);
    }

    /** Number of documents (rows). */
    public int rows() {
      return runs.size();
    }

    /** Length of the longest document. */
    public int maxLen() {
      return maxLen;
    }

    /** Rows of the packed batch: {@code [rows, maxLen, width]} from {@code x [B, L, width]}. */
    public INDArray gather(INDArray x) {
      INDArray out = Nd4j.zeros(x.dataType(), rows(), maxLen, x.size(2));
      for (int i = 0; i < runs.size(); i++) {
        int[] r = runs.get(i);
        out.get(NDArrayIndex.point(i), NDArrayIndex.interval(0, r[2]), NDArrayIndex.all())
            .assign(x.get(NDArrayIndex.point(r[0]), NDArrayIndex.interval(r[1], r[1] + r[2]), NDArrayIndex.all()));
      }
      return out;
    }

    /** The inverse of {@link #gather}: {@code [B, L, width]}, zero at padded positions. */
    public INDArray scatter(INDArray y) {
      INDArray out = Nd4j.zeros(y.dataType(), batch, len, y.size(2));
      for (int i = 0; i < runs.size(); i++) {
        int[] r = runs.get(i);
        out.get(NDArrayIndex.point(r[0]), NDArrayIndex.interval(r[1], r[1] + r[2]), NDArrayIndex.all())
            .assign(y.get(NDArrayIndex.point(i), NDArrayIndex.interval(0, r[2]), NDArrayIndex.all()));
      }
      return out;
    }

    /** The packed rows' mask {@code [rows, maxLen]}: 1 on document tokens, 0 on the end padding. */
    public INDArray mask(DataType dt) {
      INDArray m = Nd4j.zeros(dt, rows(), maxLen);
      for (int i = 0; i < runs.size(); i++) {
        m.get(NDArrayIndex.point(i), NDArrayIndex.interval(0, runs.get(i)[2])).assign(1.0);
      }
      return m;
    }
  }
}
