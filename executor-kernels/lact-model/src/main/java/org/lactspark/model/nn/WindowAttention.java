package org.lactspark.model.nn;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.lactspark.kernel.nd4j.Tape;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastDivOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Sliding-window softmax attention, causal by default as {@code flash_attn_func(q, k, v, causal=True,
 * window_size=(window-1, 0))}: query {@code t} attends the keys {@code s} with
 * {@code t - window + 1 <= s <= t} (and, with a key mask, only keys whose mask is 1), with scores
 * scaled by {@code 1/sqrt(dh)}.
 *
 * <p>The work is blockwise, so time is {@code O(L * window)} and memory linear in {@code L}: each
 * block of {@code blockSize} queries meets only the keys {@code [blockStart - window + 1,
 * blockEnd)}, as one batched matrix product over all {@code B*H} heads. The forward keeps the
 * inputs, the output and one log-sum-exp per query row; the backward recomputes each block's
 * probabilities from them (flash-attention style) instead of holding all blocks' probabilities.
 * A block's temporaries live in a per-thread workspace.
 *
 * <p>A query with no allowed key (all keys in its window masked) outputs zeros and gets a zero
 * gradient. Everything is computed in the inputs' data type (FLOAT or DOUBLE).
 *
 * <p>A {@link Pass} keeps references to {@code q}, {@code k} and {@code v} (not copies, unless an
 * input is a view or not in C order): do not modify them between the forward and the backward.
 *
 * <p>Instances are immutable and may be shared between threads.
 */
public final class WindowAttention {
  /**
   * Added to the scores of disallowed entries. Far below any real score, yet {@code 2 * BIG} is still
   * finite in float32, so the subtraction of a row statistic never makes an infinity or a NaN.
   */
  private static final double BIG = 1e30;

  /**
   * Floor of the row maximum. A row with no allowed key has maximum about {@code -BIG}; clamping it
   * to {@code -BIG/2} makes every {@code exp(score - max)} of that row underflow to 0 (instead of a
   * uniform distribution over disallowed keys), while rows with an allowed key keep their true
   * maximum because it is far above the floor.
   */
  private static final double MAX_FLOOR = -BIG / 2;

  private static final String WORKSPACE_ID = "lact-model-window-attention";


  private final int window;
  private final int blockSize;
  private final boolean causal;

  /** A block's window pattern depends only on its size and the offset of its first query. */
  private record BiasKey(int rows, int cols, int offset) {}

  /**
   * What a forward pass keeps for its backward: references to the inputs (copies only where an input
   * was a view or not in C order), the key-mask bias, one log-sum-exp per query row and head, and
   * the output. Size {@code O(B*H*L)} beyond the inputs and the output; no probabilities.
   */
  public static final class Pass implements AutoCloseable {
    private final int batch;
    private final int heads;
    private final INDArray q;
    private final INDArray k;
    private final INDArray v;
    private final INDArray keyBias;
    private final INDArray lse;
    private final INDArray output;
    private final Tape owned;

    private Pass(int batch, int heads, INDArray q, INDArray k, INDArray v, INDArray keyBias, INDArray lse,
        INDArray output, Tape owned) {
      this.batch = batch;
      this.heads = heads;
      this.q = q;
      this.k = k;
      this.v = v;
      this.keyBias = keyBias;
      this.lse = lse;
      this.output = output;
      this.owned = owned;
    }

    /** @return the attention output {@code [B, L, H, dh]}, in the inputs' type (do not modify) */
    public INDArray output() {
      return output;
    }

    /**
     * Frees what the pass allocated: the output, the statistics and any input copies (not the
     * caller's inputs). The pass and its output must not be used afterwards.
     */
    @Override
    public void close() {
      owned.close();
    }
  }

  /**
   * Gradients with respect to the three inputs, each {@code [B, L, H, dh]} in the inputs' type.
   *
   * @param dq gradient with respect to the queries
   * @param dk gradient with respect to the keys
   * @param dv gradient with respect to the values
   */
  public record Gradients(INDArray dq, INDArray dk, INDArray dv) {}

  /**
   * @param window keys per query, counting the query's own position; at least 1 (1 attends only
   *     itself, so the output is {@code v} where the key is allowed)
   * @param blockSize queries per block; at least 1. Each block costs a product with
   *     {@code blockSize + window - 1} keys, so a block near {@code window} keeps the wasted
   *     (masked) fraction of the scores about one half.
   * @throws IllegalArgumentException if either is below 1
   */
  public WindowAttention(int window, int blockSize) {
    this(window, blockSize, true);
  }

  /**
   * As {@link #WindowAttention(int, int)}, or, with {@code causal} false, the symmetric window of
   * the set variant: query {@code t} attends keys {@code s} with {@code |t - s| < window} (a window
   * of at least the length is full bidirectional attention).
   */
  public WindowAttention(int window, int blockSize, boolean causal) {
    this.causal = causal;
    if (window < 1) {
      throw new IllegalArgumentException("window must be >= 1, got " + window);
    }
    if (blockSize < 1) {
      throw new IllegalArgumentException("blockSize must be >= 1, got " + blockSize);
    }
    this.window = window;
    this.blockSize = blockSize;
  }

  /** @return keys per query, counting the query's own position */
  public int window() {
    return window;
  }

  /** @return queries per block */
  public int blockSize() {
    return blockSize;
  }

  /**
   * Attention of every query over its window.
   *
   * @param q queries {@code [B, L, H, dh]}, FLOAT or DOUBLE; not modified
   * @param k keys, same shape and type as {@code q}; not modified
   * @param v values, same shape and type as {@code q}; not modified
   * @param keyMask null (all keys allowed) or {@code [B, L]} of 0 and 1: keys with 0 are excluded
   *     from every query's softmax; not modified
   * @return the output and what {@link #backward} needs
   * @throws IllegalArgumentException if shapes or types do not match
   */
  public Pass forward(INDArray q, INDArray k, INDArray v, INDArray keyMask) {
    checkInput(q, "q");
    checkSame(k, "k", q);
    checkSame(v, "v", q);
    int batch = (int) q.size(0);
    int length = (int) q.size(1);
    int heads = (int) q.size(2);
    DataType type = q.dataType();
    Tape owned = new Tape();
    INDArray keyBias = owned.own(keyBias(keyMask, batch, length, heads, type));
    INDArray qs = plain(q, owned);
    INDArray ks = plain(k, owned);
    INDArray vs = plain(v, owned);
    INDArray output = owned.own(Nd4j.createUninitialized(type, q.shape()));
    INDArray lse = owned.own(Nd4j.createUninitialized(type, (long) batch * heads, length));
    attend(qs, ks, vs, keyBias, 0, output, lse);
    return new Pass(batch, heads, qs, ks, vs, keyBias, lse, output, owned);
  }

  /**
   * Causal attention of the queries at the end of a key sequence, forward only (for streaming,
   * where the keys are a cache of the previous {@code window - 1} positions followed by the new
   * ones): query {@code i} of {@code q} sits at key position {@code Lk - Lq + i} and attends, as in
   * {@link #forward}, the keys {@code s} with {@code t - window + 1 <= s <= t}. With
   * {@code Lq = Lk} it is {@link #forward}'s output without a key mask.
   *
   * @param q queries {@code [B, Lq, H, dh]}, FLOAT or DOUBLE; not modified
   * @param k keys {@code [B, Lk, H, dh]} with {@code Lk >= Lq}, same type; not modified
   * @param v values, shaped and typed as {@code k}; not modified
   * @return a new array {@code [B, Lq, H, dh]} belonging to the caller
   * @throws IllegalArgumentException if shapes or types do not match
   * @throws IllegalStateException if this attention is not causal
   */
  public INDArray forwardLast(INDArray q, INDArray k, INDArray v) {
    if (!causal) {
      throw new IllegalStateException("forwardLast: the attention is bidirectional; only causal attention "
          + "can run on the last queries alone");
    }
    checkInput(q, "q");
    checkInput(k, "k");
    checkSame(v, "v", k);
    if (k.size(0) != q.size(0) || k.size(2) != q.size(2) || k.size(3) != q.size(3) || k.size(1) < q.size(1)
        || k.dataType() != q.dataType()) {
      throw new IllegalArgumentException("k must be [B=" + q.size(0) + ", Lk >= " + q.size(1) + ", H=" + q.size(2)
          + ", dh=" + q.size(3) + "] of type " + q.dataType() + ", got " + Arrays.toString(k.shape()) + " "
          + k.dataType());
    }
    try (Tape copies = new Tape()) {
      INDArray output = Nd4j.createUninitialized(q.dataType(), q.shape());
      attend(plain(q, copies), plain(k, copies), plain(v, copies), null, (int) (k.size(1) - q.size(1)), output, null);
      return output;
    }
  }

  /**
   * The blockwise forward: queries {@code qs [B, Lq, H, dh]} at key positions {@code qOffset ..
   * qOffset + Lq - 1} of {@code ks, vs [B, Lk, H, dh]}; writes {@code output} and, unless null, the
   * per-row log-sum-exp {@code lse [B*H, Lq]}.
   */
  private void attend(INDArray qs, INDArray ks, INDArray vs, INDArray keyBias, int qOffset, INDArray output,
      INDArray lse) {
    int batch = (int) qs.size(0);
    int queries = (int) qs.size(1);
    int keys = (int) ks.size(1);
    int heads = (int) qs.size(2);
    int dh = (int) qs.size(3);
    DataType type = qs.dataType();
    long n = (long) batch * heads;
    double scale = 1.0 / Math.sqrt(dh);
    Map<BiasKey, INDArray> windowBiases = new HashMap<>();

    for (int i0 = 0; i0 < queries; i0 += blockSize) {
      int i1 = Math.min(queries, i0 + blockSize);
      // t0, t1, s0, e1 are key positions; i0, i1 index the queries.
      int t0 = qOffset + i0;
      int t1 = qOffset + i1;
      int s0 = Math.max(0, t0 - window + 1);
      int e1 = keyEnd(t1, keys);
      try (MemoryWorkspace ws = blockWorkspace()) {
        INDArray qb = heads(qs, i0, i1);
        INDArray kb = heads(ks, s0, e1);
        INDArray vb = heads(vs, s0, e1);

        INDArray scores = scores(qb, kb, scale, t0, t1, s0, e1, keyBias, windowBiases);
        INDArray max = Transforms.max(scores.max(2), MAX_FLOOR, false);
        Nd4j.exec(new BroadcastSubOp(scores, max, scores, 0, 1));
        INDArray p = Transforms.exp(scores, false);
        // A row with an allowed key has sum >= 1 (its maximum contributes exp(0)); a row without
        // has sum 0 and all-zero probabilities, so max(sum, 1) leaves the first alone and makes
        // the second output 0 instead of 0/0.
        INDArray sum = Transforms.max(p.sum(2), 1.0, false);
        INDArray ob = Nd4j.createUninitialized(type, n, i1 - i0, dh);
        gemm(p, false, vb, false, ob, 1.0, 0.0);
        Nd4j.exec(new BroadcastDivOp(ob, sum, ob, 0, 1));
        tokens(output, i0, i1).assign(unheads(ob, batch, heads));
        if (lse != null) {
          // For a row without keys this is MAX_FLOOR: exp(score - lse) of its scores (all near
          // -BIG) still underflows to 0 when the backward recomputes the probabilities.
          lse.get(NDArrayIndex.all(), NDArrayIndex.interval(i0, i1)).assign(max.addi(Transforms.log(sum, false)));
        }
      }
    }
    freeAll(windowBiases);
  }

  private static void freeAll(Map<BiasKey, INDArray> windowBiases) {
    for (INDArray a : windowBiases.values()) {
      Tape.free(a);
    }
  }

  /**
   * Gradients of a forward pass: {@code dP = dO V^T}, {@code dS = P * (dP - rowsum(dO * O))},
   * {@code dq = scale dS K}, {@code dk = scale dS^T Q}, {@code dv = P^T dO}, with each block's
   * {@code P} recomputed from the saved row log-sum-exp.
   *
   * @param pass the pass of {@link #forward}; not modified, and may be used again
   * @param dOut the gradient with respect to {@link Pass#output()}, same shape and type; not
   *     modified
   * @return the gradients with respect to {@code q}, {@code k} and {@code v}
   * @throws IllegalArgumentException if {@code dOut} does not match the pass's output
   */
  public Gradients backward(Pass pass, INDArray dOut) {
    if (pass == null) {
      throw new IllegalArgumentException("pass must not be null");
    }
    checkSame(dOut, "dOut", pass.output);
    Tape temp = new Tape();
    INDArray dos = plain(dOut, temp);
    DataType type = pass.output.dataType();
    int batch = pass.batch;
    int heads = pass.heads;
    int length = (int) pass.output.size(1);
    int dh = (int) pass.output.size(3);
    long n = (long) batch * heads;
    double scale = 1.0 / Math.sqrt(dh);
    // Every query row belongs to one block, so dq is written once; key rows are shared by
    // neighbouring blocks' windows, so dk and dv accumulate.
    INDArray dq = Nd4j.createUninitialized(type, pass.output.shape());
    INDArray dk = Nd4j.zeros(type, pass.output.shape());
    INDArray dv = Nd4j.zeros(type, pass.output.shape());
    Map<BiasKey, INDArray> windowBiases = new HashMap<>();

    for (int t0 = 0; t0 < length; t0 += blockSize) {
      int t1 = Math.min(length, t0 + blockSize);
      int s0 = Math.max(0, t0 - window + 1);
      int e1 = keyEnd(t1, length);
      try (MemoryWorkspace ws = blockWorkspace()) {
        INDArray qb = heads(pass.q, t0, t1);
        INDArray kb = heads(pass.k, s0, e1);
        INDArray vb = heads(pass.v, s0, e1);
        INDArray dob = heads(dos, t0, t1);
        // rowsum(dO * O): the softmax backward's correction term, one per query row and head.
        INDArray delta = dob.mul(heads(pass.output, t0, t1)).sum(2);

        INDArray scores = scores(qb, kb, scale, t0, t1, s0, e1, pass.keyBias, windowBiases);
        INDArray lse = pass.lse.get(NDArrayIndex.all(), NDArrayIndex.interval(t0, t1)).dup('c');
        Nd4j.exec(new BroadcastSubOp(scores, lse, scores, 0, 1));
        INDArray p = Transforms.exp(scores, false);

        INDArray dvb = Nd4j.createUninitialized(type, n, e1 - s0, dh);
        gemm(p, true, dob, false, dvb, 1.0, 0.0);
        tokens(dv, s0, e1).addi(unheads(dvb, batch, heads));

        INDArray ds = Nd4j.createUninitialized(type, n, t1 - t0, e1 - s0);
        gemm(dob, false, vb, true, ds, 1.0, 0.0);
        Nd4j.exec(new BroadcastSubOp(ds, delta, ds, 0, 1));
        ds.muli(p);

        INDArray dqb = Nd4j.createUninitialized(type, n, t1 - t0, dh);
        gemm(ds, false, kb, false, dqb, scale, 0.0);
        tokens(dq, t0, t1).assign(unheads(dqb, batch, heads));
        INDArray dkb = Nd4j.createUninitialized(type, n, e1 - s0, dh);
        gemm(ds, true, qb, false, dkb, scale, 0.0);
        tokens(dk, s0, e1).addi(unheads(dkb, batch, heads));
      }
    }
    freeAll(windowBiases);
    temp.close();
    return new Gradients(dq, dk, dv);
  }

  /**
   * The block's scores {@code scale * Q K^T} with {@code -BIG} added where the window, causality or
   * the key mask forbid the pair: {@code [B*H, t1-t0, t1-s0]}.
   */
  private INDArray scores(INDArray qb, INDArray kb, double scale, int t0, int t1, int s0, int e1,
      INDArray keyBias, Map<BiasKey, INDArray> windowBiases) {
    long n = qb.size(0);
    DataType type = qb.dataType();
    INDArray s = Nd4j.createUninitialized(type, n, t1 - t0, e1 - s0);
    gemm(qb, false, kb, true, s, scale, 0.0);
    // Interior blocks share one pattern; only the first blocks and the last (short) one differ.
    INDArray wb = windowBiases.computeIfAbsent(new BiasKey(t1 - t0, e1 - s0, t0 - s0),
        x -> windowBias(t0, t1, s0, e1, type));
    Nd4j.exec(new BroadcastAddOp(s, wb, s, 1, 2));
    if (keyBias != null) {
      INDArray kbias = keyBias.get(NDArrayIndex.all(), NDArrayIndex.interval(s0, e1)).dup('c');
      Nd4j.exec(new BroadcastAddOp(s, kbias, s, 0, 2));
    }
    return s;
  }

  /** {@code [t1-t0, t1-s0]}: 0 where key {@code s} is in query {@code t}'s window, else {@code -BIG}. */
  private INDArray windowBias(int t0, int t1, int s0, int e1, DataType type) {
    int rows = t1 - t0;
    int cols = e1 - s0;
    double[] bias = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      int t = t0 + r;
      for (int c = 0; c < cols; c++) {
        int s = s0 + c;
        boolean allowed = causal ? s <= t && s > t - window : Math.abs(s - t) < window;
        bias[r * cols + c] = allowed ? 0.0 : -BIG;
      }
    }
    // Cached across blocks, so it must outlive the block workspace that is open when it is built.
    try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      return inType(Nd4j.create(bias, new long[] {rows, cols}, DataType.DOUBLE), type);
    }
  }

  /** {@code [B*H, L]}: 0 for allowed keys, {@code -BIG} for masked ones; null without a mask. */
  private static INDArray keyBias(INDArray keyMask, int batch, int length, int heads, DataType type) {
    if (keyMask == null) {
      return null;
    }
    if (keyMask.rank() != 2 || keyMask.size(0) != batch || keyMask.size(1) != length) {
      throw new IllegalArgumentException("keyMask must be null or [B=" + batch + ", L=" + length
          + "], got shape " + Arrays.toString(keyMask.shape()));
    }
    double[][] mask = keyMask.toDoubleMatrix();
    double[] bias = new double[batch * heads * length];
    for (int b = 0; b < batch; b++) {
      for (int s = 0; s < length; s++) {
        double m = mask[b][s];
        if (m != 0.0 && m != 1.0) {
          throw new IllegalArgumentException("keyMask must hold only 0 and 1, got " + m + " at [" + b
              + ", " + s + "] of shape " + Arrays.toString(keyMask.shape()));
        }
        if (m == 0.0) {
          for (int h = 0; h < heads; h++) {
            bias[(b * heads + h) * length + s] = -BIG;
          }
        }
      }
    }
    return inType(Nd4j.create(bias, new long[] {(long) batch * heads, length}, DataType.DOUBLE), type);
  }

  /** {@code d} (a new float64 array) in {@code type}; the float64 array is freed if a cast was made. */
  private static INDArray inType(INDArray d, DataType type) {
    if (type == DataType.DOUBLE) {
      return d;
    }
    INDArray cast = d.castTo(type);
    Tape.free(d);
    return cast;
  }

  /**
   * The input itself when it is a plain C-order array, else a C-order copy: blocks are cut from it
   * with views, and in ND4J M2.1 views of views can lose their buffer (NOTES.md). A copy is owned
   * by {@code copies}.
   */
  private static INDArray plain(INDArray x, Tape copies) {
    return x.isView() || x.ordering() != 'c' ? copies.own(x.dup('c')) : x;
  }

  /** Tokens {@code [t0, t1)} of a {@code [B, L, H, dh]} array, as a view. */
  private static INDArray tokens(INDArray x, int t0, int t1) {
    return x.get(NDArrayIndex.all(), NDArrayIndex.interval(t0, t1), NDArrayIndex.all(), NDArrayIndex.all());
  }

  /**
   * Tokens {@code [t0, t1)} of a {@code [B, L, H, dh]} array as a new contiguous
   * {@code [B*H, t1-t0, dh]} (in the current workspace): the batched product wants plain
   * {@code [n, r, c]} operands with heads as batch items.
   */
  private static INDArray heads(INDArray x, int t0, int t1) {
    return tokens(x, t0, t1).permute(0, 2, 1, 3).dup('c').reshape('c', x.size(0) * x.size(2), t1 - t0, x.size(3));
  }

  /** A {@code [B*H, r, dh]} block as a {@code [B, r, H, dh]} view, to be copied into place. */
  private static INDArray unheads(INDArray x, int batch, int heads) {
    return x.reshape('c', batch, heads, x.size(1), x.size(2)).permute(0, 2, 1, 3);
  }

  /**
   * The calling thread's workspace for one block's temporaries: a block allocates several arrays
   * of {@code B*H*blockSize*(blockSize+window)} elements, and fresh native memory is slow to touch
   * (NOTES.md: a 50 MB exp measured 230 ms freshly allocated, 33 ms in a workspace).
   */
  private static MemoryWorkspace blockWorkspace() {
    return org.lactspark.kernel.nd4j.Workspaces.scratch(WORKSPACE_ID);
  }

  /** One past the last key a block of queries ending at {@code t1} can see. */
  private int keyEnd(int t1, int length) {
    return causal ? t1 : (int) Math.min(length, (long) t1 + window - 1);
  }

  private static void gemm(INDArray a, boolean ta, INDArray b, boolean tb, INDArray c, double alpha,
      double beta) {
    org.lactspark.kernel.nd4j.Bmm.gemm(a, ta, b, tb, c, alpha, beta);
  }

  private static void checkInput(INDArray x, String name) {
    if (x == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
    if (x.rank() != 4) {
      throw new IllegalArgumentException(name + " must be [B, L, H, dh] (rank 4), got shape "
          + Arrays.toString(x.shape()));
    }
    if (x.dataType() != DataType.FLOAT && x.dataType() != DataType.DOUBLE) {
      throw new IllegalArgumentException(name + " must be FLOAT or DOUBLE, got " + x.dataType()
          + " with shape " + Arrays.toString(x.shape()));
    }
    for (int i = 0; i < 4; i++) {
      if (x.size(i) < 1 || x.size(i) > Integer.MAX_VALUE / 4) {
        throw new IllegalArgumentException(name + " has an empty or oversized axis " + i + ": shape "
            + Arrays.toString(x.shape()));
      }
    }
  }

  private static void checkSame(INDArray x, String name, INDArray like) {
    if (x == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
    if (!Arrays.equals(x.shape(), like.shape())) {
      throw new IllegalArgumentException(name + " must have shape " + Arrays.toString(like.shape())
          + ", got " + Arrays.toString(x.shape()));
    }
    if (x.dataType() != like.dataType()) {
      throw new IllegalArgumentException(name + " must be " + like.dataType() + " like the other inputs, got "
          + x.dataType() + " with shape " + Arrays.toString(x.shape()));
    }
  }
}
