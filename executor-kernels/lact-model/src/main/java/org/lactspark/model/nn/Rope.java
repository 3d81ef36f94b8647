package org.lactspark.model.nn;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Rotary position embedding as fla's {@code RotaryEmbedding} in its non-interleaved form: channel
 * {@code c} of a head and channel {@code c + headDim/2} form one pair, rotated by the angle
 * {@code t * theta^(-2i/headDim)} with {@code i = c mod headDim/2} at absolute position {@code t}.
 *
 * <p>In formulas, with {@code rotate_half([x1, x2]) = [-x2, x1]} over the two halves of the last
 * axis and {@code cos}, {@code sin} laid out as {@code [cos_i, cos_i]}:
 * {@code y = x * cos + rotate_half(x) * sin}. The backward is the transposed rotation, i.e. the
 * rotation by the negative angle.
 *
 * <p>Angles and their cosines and sines are computed in float64 (positions times frequencies lose
 * digits in float32 at long lengths) and only then cast to the input's type. Tables are cached for
 * the longest length seen so far; instances may be shared between threads.
 */
public final class Rope {
  /** Per-thread workspace of one call's temporary (see {@link #rotate}). */
  private static final String WORKSPACE_ID = "lact-model-rope";


  private final int headDim;
  private final double theta;
  private final double[] invFreq;

  /** Guards the tables below. */
  private final Object lock = new Object();

  /** float64 {@code cos} and {@code sin}, {@code [length, headDim/2]} row-major; grows on demand. */
  private double[] cosHalf = new double[0];

  private double[] sinHalf = new double[0];
  private int tableLength;

  /**
   * Per data type: {@code {cos, signedSin}}, each {@code [tableLength, headDim]}, where
   * {@code signedSin = [-sin_i, sin_i]} (see {@link #rotate}). Built outside any workspace because
   * they outlive the call that builds them.
   */
  private final Map<DataType, INDArray[]> cast = new EnumMap<>(DataType.class);

  private Rope(int headDim, double theta) {
    this.headDim = headDim;
    this.theta = theta;
    int half = headDim / 2;
    this.invFreq = new double[half];
    for (int i = 0; i < half; i++) {
      invFreq[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
    }
  }

  /**
   * A rotary embedding for heads of {@code headDim} channels.
   *
   * @param headDim channels per head; even and at least 2
   * @param theta the frequency base (fla's {@code base}, 10000 in most models); positive and finite
   * @return the embedding
   * @throws IllegalArgumentException if {@code headDim} is odd or below 2, or {@code theta} is not
   *     a positive finite number
   */
  public static Rope of(int headDim, double theta) {
    if (headDim < 2 || headDim % 2 != 0) {
      throw new IllegalArgumentException("headDim must be even and >= 2, got " + headDim);
    }
    if (!(theta > 0) || Double.isInfinite(theta)) {
      throw new IllegalArgumentException("theta must be positive and finite, got " + theta);
    }
    return new Rope(headDim, theta);
  }

  /** @return channels per head */
  public int headDim() {
    return headDim;
  }

  /** @return the frequency base */
  public double theta() {
    return theta;
  }

  /**
   * Rotates every head of every position by its position's angles.
   *
   * @param x {@code [B, L, H, headDim]}, FLOAT or DOUBLE; not modified
   * @return a new array {@code x * cos + rotate_half(x) * sin} of {@code x}'s shape and type
   * @throws IllegalArgumentException if {@code x} has the wrong rank, last axis or type
   */
  public INDArray apply(INDArray x) {
    return rotate(x, "x", false, 0);
  }

  /**
   * As {@link #apply(INDArray)} with the positions starting at {@code offset} instead of 0:
   * position {@code offset + t} for token {@code t}, as fla's {@code seqlen_offset} (a stream
   * rotates each new piece at its absolute positions). The angles are the same float64
   * {@code position * frequency} products as the cached tables', so {@code apply(x, o)} equals
   * the rows {@code [o, o + L)} of {@code apply} on a sequence of {@code o + L} tokens.
   *
   * @param x {@code [B, L, H, headDim]}, FLOAT or DOUBLE; not modified
   * @param offset the position of the first token, {@code >= 0}
   * @return a new array of {@code x}'s shape and type
   * @throws IllegalArgumentException if {@code x} is misshapen or {@code offset} negative
   */
  public INDArray apply(INDArray x, long offset) {
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0, got " + offset);
    }
    return rotate(x, "x", false, offset);
  }

  /**
   * The gradient with respect to {@link #apply}'s input: the transposed rotation, i.e. the rotation
   * by the negative angles, {@code dy * cos - rotate_half(dy) * sin}.
   *
   * @param dy the gradient with respect to {@link #apply}'s output, {@code [B, L, H, headDim]},
   *     FLOAT or DOUBLE; not modified
   * @return a new array with the gradient with respect to the input
   * @throws IllegalArgumentException if {@code dy} has the wrong rank, last axis or type
   */
  public INDArray applyBackward(INDArray dy) {
    return rotate(dy, "dy", true, 0);
  }

  /**
   * {@code x * cos + swap(x) * signedSin} (or minus for the inverse), where
   * {@code swap([x1, x2]) = [x2, x1]}: with {@code signedSin = [-sin, sin]} this is exactly
   * {@code rotate_half(x) * sin} while needing only a copy of the halves, no negation pass.
   */
  private INDArray rotate(INDArray x, String name, boolean inverse, long offset) {
    check(x, name);
    // Views of views lose their buffer in ND4J M2.1 (NOTES.md): take halves of a plain array only.
    boolean copied = x.isView() || x.ordering() != 'c';
    INDArray in = copied ? x.dup('c') : x;
    int length = (int) in.size(1);
    int half = headDim / 2;
    int heads = (int) in.size(2);
    // Offsets are not cached: a stream asks for a new one with every piece.
    INDArray[] t = offset == 0 ? tiled(length, heads, in.dataType()) : tiledAt(offset, length, heads, in.dataType());
    long row = (long) length * heads * headDim;

    INDArray y = Nd4j.createUninitialized(in.dataType(), in.shape());
    // The tables are tiled over heads, so each sequence is one row times one row vector: a plain
    // broadcast, several times faster in libnd4j than broadcasting over axes 1 and 3 of the 4-d array.
    Nd4j.exec(new BroadcastMulOp(in.reshape('c', in.size(0), row), t[0], y.reshape('c', in.size(0), row), 1));
    // The swapped copy is a temporary as large as x: fresh native memory is slow to touch here
    // (NOTES.md), a workspace reuses the same pages call after call.
    try (MemoryWorkspace ws = org.lactspark.kernel.nd4j.Workspaces.scratch(WORKSPACE_ID)) {
      INDArray swapped = Nd4j.createUninitialized(in.dataType(), in.shape());
      lastAxis(swapped, 0, half).assign(lastAxis(in, half, headDim));
      lastAxis(swapped, half, headDim).assign(lastAxis(in, 0, half));
      INDArray swappedRows = swapped.reshape('c', in.size(0), row);
      Nd4j.exec(new BroadcastMulOp(swappedRows, t[1], swappedRows, 1));
      return inverse ? y.subi(swapped) : y.addi(swapped);
    } finally {
      if (copied) {
        org.lactspark.kernel.nd4j.Tape.free(in);
      }
      if (offset != 0) {
        org.lactspark.kernel.nd4j.Tape.free(t);
      }
    }
  }

  private static INDArray lastAxis(INDArray x, int from, int to) {
    return x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(from, to));
  }

  private void check(INDArray x, String name) {
    if (x == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
    if (x.rank() != 4 || x.size(3) != headDim) {
      throw new IllegalArgumentException(name + " must be [B, L, H, headDim=" + headDim + "], got shape "
          + Arrays.toString(x.shape()));
    }
    if (x.dataType() != DataType.FLOAT && x.dataType() != DataType.DOUBLE) {
      throw new IllegalArgumentException(name + " must be FLOAT or DOUBLE, got " + x.dataType()
          + " with shape " + Arrays.toString(x.shape()));
    }
    if (x.size(1) > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(name + " is too long, shape " + Arrays.toString(x.shape()));
    }
  }

  /** Tiled tables kept (per type, head count and length); a training run uses one or two lengths. */
  private static final int TILED_CACHE = 8;

  private record TiledKey(DataType type, int heads, int length) {}

  private final Map<TiledKey, INDArray[]> tiledCache = new java.util.LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<TiledKey, INDArray[]> eldest) {
      return size() > TILED_CACHE;
    }
  };

  /**
   * {@code {cos, signedSin}} repeated over {@code heads}: row vectors {@code [1, length*heads*headDim]}
   * matching a C-order {@code [length, heads, headDim]} block, built outside any workspace.
   */
  private INDArray[] tiled(int length, int heads, DataType type) {
    synchronized (lock) {
      INDArray[] t = tiledCache.get(new TiledKey(type, heads, length));
      if (t != null) {
        return t;
      }
      INDArray[] out = tile(tables(length, type), length, heads, type);
      tiledCache.put(new TiledKey(type, heads, length), out);
      return out;
    }
  }

  /**
   * As {@link #tiled} for positions {@code [offset, offset + length)}, uncached: new arrays the
   * caller frees.
   */
  private INDArray[] tiledAt(long offset, int length, int heads, DataType type) {
    int half = headDim / 2;
    double[] c = new double[length * half];
    double[] s = new double[length * half];
    halfRows(offset, length, c, s, 0);
    INDArray[] base = fullWidth(c, s, length, type);
    try {
      return tile(base, length, heads, type);
    } finally {
      org.lactspark.kernel.nd4j.Tape.free(base);
    }
  }

  /** {@code base [length, headDim]} pair repeated over heads as {@code [1, length*heads*headDim]} rows, outside any workspace. */
  private INDArray[] tile(INDArray[] base, int length, int heads, DataType type) {
    INDArray[] out = new INDArray[2];
    try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      for (int i = 0; i < 2; i++) {
        INDArray rows = base[i].dup('c');
        INDArray rep = Nd4j.createUninitialized(type, length, heads, headDim);
        for (int h = 0; h < heads; h++) {
          rep.get(NDArrayIndex.all(), NDArrayIndex.point(h), NDArrayIndex.all()).assign(rows);
        }
        out[i] = rep.reshape('c', 1, (long) length * heads * headDim);
        org.lactspark.kernel.nd4j.Tape.free(rows);
      }
    }
    return out;
  }

  /**
   * {@code {cos, signedSin}} for positions {@code 0..length-1} in {@code type}, each
   * {@code [length, headDim]}. A prefix of the cached tables when they are longer: rows
   * {@code [0, length)} of a C-order matrix are one contiguous block at offset 0.
   */
  private INDArray[] tables(int length, DataType type) {
    synchronized (lock) {
      if (length > tableLength) {
        grow(length);
      }
      INDArray[] t = cast.get(type);
      if (t == null || t[0].size(0) < tableLength) {
        t = build(type);
        cast.put(type, t);
      }
      if (t[0].size(0) == length) {
        return t;
      }
      return new INDArray[] {
        t[0].get(NDArrayIndex.interval(0, length), NDArrayIndex.all()),
        t[1].get(NDArrayIndex.interval(0, length), NDArrayIndex.all())
      };
    }
  }

  /** Extends the float64 tables to {@code length} positions (caller holds the lock). */
  private void grow(int length) {
    int half = headDim / 2;
    double[] c = Arrays.copyOf(cosHalf, length * half);
    double[] s = Arrays.copyOf(sinHalf, length * half);
    halfRows(tableLength, length - tableLength, c, s, tableLength * half);
    cosHalf = c;
    sinHalf = s;
    tableLength = length;
  }

  /**
   * {@code cos} and {@code sin} of {@code position * invFreq_i} for {@code count} positions from
   * {@code from}, written row by row ({@code headDim/2} per position) from index {@code at}.
   */
  private void halfRows(long from, int count, double[] c, double[] s, int at) {
    int half = headDim / 2;
    for (int r = 0; r < count; r++) {
      double p = from + r;
      for (int i = 0; i < half; i++) {
        double angle = p * invFreq[i];
        c[at + r * half + i] = Math.cos(angle);
        s[at + r * half + i] = Math.sin(angle);
      }
    }
  }

  /** The full-width tables in {@code type} (caller holds the lock). */
  private INDArray[] build(DataType type) {
    return fullWidth(cosHalf, sinHalf, tableLength, type);
  }

  /** {@code {cos, signedSin}} {@code [rows, headDim]} in {@code type} from half-width rows, outside any workspace. */
  private INDArray[] fullWidth(double[] cosHalf, double[] sinHalf, int tableLength, DataType type) {
    int half = headDim / 2;
    double[] cos = new double[tableLength * headDim];
    double[] sin = new double[tableLength * headDim];
    for (int p = 0; p < tableLength; p++) {
      for (int i = 0; i < half; i++) {
        double c = cosHalf[p * half + i];
        double s = sinHalf[p * half + i];
        cos[p * headDim + i] = c;
        cos[p * headDim + half + i] = c;
        sin[p * headDim + i] = -s;
        sin[p * headDim + half + i] = s;
      }
    }
    try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      INDArray c = Nd4j.create(cos, new long[] {tableLength, headDim}, DataType.DOUBLE);
      INDArray s = Nd4j.create(sin, new long[] {tableLength, headDim}, DataType.DOUBLE);
      if (type != DataType.DOUBLE) {
        INDArray[] cast = {c.castTo(type), s.castTo(type)};
        org.lactspark.kernel.nd4j.Tape.free(c, s);
        return cast;
      }
      return new INDArray[] {c, s};
    }
  }
}
