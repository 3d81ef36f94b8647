package org.lactspark.model.nn;

import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactStream;
import org.lactspark.kernel.nd4j.Tape;
import org.lactspark.kernel.nd4j.Workspaces;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One {@link LactLayer} run on one sequence piece by piece (inference only): {@link #feed} takes
 * the next {@code t} tokens' inputs and returns their outputs, equal to the rows the whole-sequence
 * forward gives those positions. What is carried between pieces, all of bounded size:
 *
 * <ul>
 *   <li>the absolute position, so both branches rotate each piece at its true RoPE positions;
 *   <li>the attention window: the keys (already rotated) and values of the last {@code window - 1}
 *       positions, so the cache plus a piece is never more than {@code window - 1 + t} tokens;
 *   <li>the op's {@link LactStream} (fast weights, pre-norm accumulators, momentum buffers);
 *   <li>the partial chunk's keys, values, learning rates and momentum coefficients ({@link
 *       PendingChunk}), written into the stream when its {@code chunkSize} tokens are complete.
 *       Tokens read the weights of all chunks before their own, as in the op's schedule.
 * </ul>
 *
 * <p>Every step reuses the layer's own pieces ({@link LactLayer#project}, {@link
 * LactLayer#tttFeatures}, {@link LactLayer#tokenInputs}, {@link LactLayer#tttNormAndGate}) and the
 * blocks {@link Rope#apply(INDArray, long)} and {@link WindowAttention#forwardLast}. Arrays a step
 * makes are freed when it returns, except its output (the caller's) and the new window cache (freed
 * by the next step, {@link #reset()} or {@link #close()}). Not thread-safe. The position may grow
 * past the model's training context: nothing here is sized by it.
 */
public final class LactLayerStream implements AutoCloseable {
  private static final String WORKSPACE = "lact-model-layer-stream-op-inputs";

  private final LactLayer layer;
  private final LactLayerSpec spec;
  private final Params p;
  private LactStream op;
  private PendingChunk pending;
  /** Rotated keys and values {@code [1, w, Ha, dh]} of the last {@code w <= window - 1} positions; null when w = 0. */
  private INDArray cacheK;
  private INDArray cacheV;
  private long position;
  private boolean closed;

  LactLayerStream(LactLayer layer, Params p) {
    this.layer = layer;
    this.spec = layer.spec();
    this.p = p;
    if (spec.bidirectional()) {
      throw new IllegalArgumentException("LaCT layer stream: the set variant (bidirectional) cannot be streamed");
    }
    start();
  }

  /** Opens the op stream from the initial fast weights (when the TTT branch is on). */
  private void start() {
    position = 0;
    if (!spec.tttEnabled()) {
      return;
    }
    HostTensor[] w = new HostTensor[3];
    try (Tape temp = new Tape()) {
      w[0] = HeadLayout.host(temp.own(layer.initialWeight(p, "w0")));
      w[1] = HeadLayout.host(p.get("w1"));
      w[2] = HeadLayout.host(temp.own(layer.initialWeight(p, "w2")));
    }
    op = layer.kernel().stream(spec.opSpec(), w[0], w[1], w[2]);
    pending = new PendingChunk(spec.numLactHeads(), spec.chunkSize(), spec.lactHeadDim(), spec.opSpec().momentum());
  }

  /** Tokens fed so far: the position of the next one. */
  public long position() {
    return position;
  }

  /** Positions held in the attention window cache (at most {@code window - 1}). */
  public int cachedPositions() {
    return cacheK == null ? 0 : (int) cacheK.size(1);
  }

  /** Tokens of the partial chunk not yet written into the fast weights (below {@code chunkSize}). */
  public int pendingTokens() {
    return pending == null ? 0 : pending.tokens();
  }

  /** Updates written into the fast weights so far (0 with the TTT branch off). */
  public int updates() {
    return op == null ? 0 : op.updates();
  }

  /**
   * The layer on the next {@code t} tokens of the sequence.
   *
   * @param x the layer's input for them, {@code [t, d]} (t >= 1), FLOAT or DOUBLE like the parameters
   * @return a new array {@code [t, d]} belonging to the caller
   * @throws IllegalArgumentException if {@code x} is misshapen
   * @throws IllegalStateException if the stream was closed
   */
  public INDArray feed(INDArray x) {
    if (closed) {
      throw new IllegalStateException("LaCT layer stream: closed");
    }
    if (x.rank() != 2 || x.size(1) != spec.hiddenSize() || x.size(0) < 1) {
      throw new IllegalArgumentException("LaCT layer stream input: expected [tokens >= 1, " + spec.hiddenSize()
          + "], got " + java.util.Arrays.toString(x.shape()));
    }
    int t = (int) x.size(0);
    INDArray xs = x.isView() || x.ordering() != 'c' ? x.dup('c') : x;
    try (Tape temp = new Tape()) {
      if (xs != x) {
        temp.own(xs);
      }
      LactLayer.Projected pr = layer.project(p, xs, temp, temp);
      try {
        INDArray merged = attend(pr, t, temp);
        if (spec.tttEnabled()) {
          merged.addi(ttt(xs, pr, t, temp));
        }
        position += t;
        return Linear.forward(merged, p.get("o_proj.weight"), null);
      } finally {
        close(pr.qNorm(), pr.kNorm());
      }
    }
  }

  /** The attention branch on the piece, over the cached window plus the piece; updates the cache. */
  private INDArray attend(LactLayer.Projected pr, int t, Tape temp) {
    long[] shape = {1, t, spec.numAttnHeads(), spec.attnHeadDim()};
    Rope rope = layer.rope();
    INDArray q = temp.own(rope.apply(pr.q().reshape('c', shape), position));
    INDArray k = temp.own(rope.apply(pr.k().reshape('c', shape), position));
    INDArray v = pr.v().reshape('c', shape);
    INDArray keys = cacheK == null ? k : temp.own(Nd4j.concat(1, cacheK, k));
    INDArray values = cacheV == null ? v : temp.own(Nd4j.concat(1, cacheV, v));
    INDArray out = temp.own(layer.attention().forwardLast(q, keys, values));
    Tape.free(cacheK, cacheV);
    cacheK = tail(keys);
    cacheV = tail(values);
    return out.reshape('c', t, spec.hiddenSize());
  }

  /** A copy of the last {@code window - 1} positions of {@code a [1, L, Ha, dh]} (null if none are kept). */
  private INDArray tail(INDArray a) {
    long len = a.size(1);
    long keep = Math.min(len, spec.windowSize() - 1L);
    if (keep == 0) {
      return null;
    }
    return a.get(NDArrayIndex.all(), NDArrayIndex.interval(len - keep, len), NDArrayIndex.all(), NDArrayIndex.all())
        .dup('c');
  }

  /**
   * The TTT branch on the piece: each run of tokens inside one chunk reads the current fast
   * weights, then joins the pending chunk, which is written when complete.
   */
  private INDArray ttt(INDArray x, LactLayer.Projected pr, int t, Tape temp) {
    HeadLayout lact = new HeadLayout(1, t, spec.numLactHeads());
    try (LactLayer.TttFeatures f = layer.tttFeatures(p, x, pr.q(), pr.k(), pr.v(), temp, temp)) {
      HostTensor[] in;
      try (MemoryWorkspace ws = Workspaces.scratch(WORKSPACE)) {
        in = layer.tokenInputs(lact, f, position);
      }
      HostTensor y = HostTensor.zeros(in[0].shape());
      for (int a = 0; a < t; ) {
        int b = Math.min(t, a + pending.room());
        put(y, a, op.read(slice(in[0], a, b)));
        pending.add(in, a, b, op);
        a = b;
      }
      LactLayer.TttOut o = layer.tttNormAndGate(p, x, y, lact, temp, temp);
      close(o.norm(), o.gate());
      return o.yHat();
    }
  }

  /** Tokens {@code [from, to)} of every instance of {@code t [n, L, w]}. */
  private static HostTensor slice(HostTensor t, int from, int to) {
    int n = t.dim(0);
    int len = t.dim(1);
    int w = t.dim(2);
    double[] out = new double[n * (to - from) * w];
    for (int i = 0; i < n; i++) {
      System.arraycopy(t.data(), (i * len + from) * w, out, i * (to - from) * w, (to - from) * w);
    }
    return HostTensor.of(out, n, to - from, w);
  }

  /** Writes {@code part [n, r, w]} into tokens {@code [at, at + r)} of {@code dest [n, L, w]}. */
  private static void put(HostTensor dest, int at, HostTensor part) {
    int n = dest.dim(0);
    int len = dest.dim(1);
    int w = dest.dim(2);
    int r = part.dim(1);
    for (int i = 0; i < n; i++) {
      System.arraycopy(part.data(), i * r * w, dest.data(), (i * len + at) * w, r * w);
    }
  }

  private static void close(AutoCloseable... parts) {
    for (AutoCloseable c : parts) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          throw new IllegalStateException("could not free a LaCT layer stream step", e);
        }
      }
    }
  }

  /** Starts a new sequence: position 0, empty window, the initial fast weights. */
  public void reset() {
    if (closed) {
      throw new IllegalStateException("LaCT layer stream: closed");
    }
    release();
    start();
  }

  private void release() {
    Tape.free(cacheK, cacheV);
    cacheK = null;
    cacheV = null;
    if (op != null) {
      op.close();
      op = null;
    }
    pending = null;
  }

  /** Frees the carried state; idempotent. */
  @Override
  public void close() {
    if (!closed) {
      release();
      closed = true;
    }
  }
}
