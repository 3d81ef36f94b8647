package org.lactspark.model.nn;

import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactStream;

/**
 * The TTT inputs of a stream's partial chunk: keys, values, the three learning rates and the
 * momentum coefficients of the tokens seen since the last write, in the op's instance layout,
 * until {@code chunkSize} of them are complete and go into the stream as one update. Heap arrays
 * of one chunk, allocated once.
 */
final class PendingChunk {
  private final int n;
  private final int chunk;
  private final int width;
  private final double[] k;
  private final double[] v;
  private final double[][] lr;
  private final double[] momentum;
  private int count;

  /**
   * @param n op instances
   * @param chunk tokens per update
   * @param width key and value width
   * @param momentum whether coefficients are kept
   */
  PendingChunk(int n, int chunk, int width, boolean momentum) {
    this.n = n;
    this.chunk = chunk;
    this.width = width;
    this.k = new double[n * chunk * width];
    this.v = new double[n * chunk * width];
    this.lr = new double[3][n * chunk];
    this.momentum = momentum ? new double[n * chunk] : null;
  }

  /** Tokens held, always below the chunk size between calls. */
  int tokens() {
    return count;
  }

  /** Room left before the chunk is complete. */
  int room() {
    return chunk - count;
  }

  /**
   * Appends tokens {@code [from, to)} of one piece's op inputs {@code {q, k, v, lr0, lr1, lr2,
   * momentum}} (each {@code [n, t, w]}); then, if the chunk is complete, writes it into
   * {@code op} and empties.
   */
  void add(HostTensor[] in, int from, int to, LactStream op) {
    int t = in[1].dim(1);
    int len = to - from;
    if (len > room()) {
      throw new IllegalArgumentException("pending chunk: " + len + " tokens do not fit the " + room() + " left");
    }
    for (int i = 0; i < n; i++) {
      copy(in[1], i, t, from, len, width, k);
      copy(in[2], i, t, from, len, width, v);
      for (int j = 0; j < 3; j++) {
        copy(in[3 + j], i, t, from, len, 1, lr[j]);
      }
      if (momentum != null) {
        copy(in[6], i, t, from, len, 1, momentum);
      }
    }
    count += len;
    if (count == chunk) {
      op.write(tensor(k, width), tensor(v, width), tensor(lr[0], 1), tensor(lr[1], 1), tensor(lr[2], 1),
          momentum == null ? null : tensor(momentum, 1));
      count = 0;
    }
  }

  /** Forgets the tokens held. */
  void clear() {
    count = 0;
  }

  private void copy(HostTensor src, int i, int t, int from, int len, int w, double[] dest) {
    System.arraycopy(src.data(), (i * t + from) * w, dest, (i * chunk + count) * w, len * w);
  }

  /** A complete chunk {@code [n, chunk, w]}; a copy, because the stream may keep what it is given. */
  private HostTensor tensor(double[] a, int w) {
    return HostTensor.of(a.clone(), n, chunk, w);
  }
}
