package org.lactspark.model.nn;

import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.nd4j.Tape;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Moves between the layer's token-major layout {@code [B*L, H*w]} (heads side by side in the
 * channels) and the op's instance-major layout {@code [N = B*H, L, w]} with instance
 * {@code n = b*H + h} (the official "b s (h d) -> (b h) s d"), and between ND4J arrays and the
 * kernel API's host tensors.
 */
final class HeadLayout {
  private final int batch;
  private final int len;
  private final int heads;

  HeadLayout(int batch, int len, int heads) {
    this.batch = batch;
    this.len = len;
    this.heads = heads;
  }

  /** Sequences B. */
  int batch() {
    return batch;
  }

  /** Tokens per sequence L. */
  int length() {
    return len;
  }

  /** {@code [B*L, H*w]} to a new {@code [B*H, L, w]}. */
  INDArray toInstances(INDArray tokens, int w) {
    INDArray inst = Nd4j.createUninitialized(tokens.dataType(), (long) batch * heads, len, w);
    inst.reshape('c', batch, heads, len, w).assign(tokens.reshape('c', batch, len, heads, w).permute(0, 2, 1, 3));
    return inst;
  }

  /** {@code [B*H, L, w]} to a new {@code [B*L, H*w]}. */
  INDArray toTokens(INDArray inst, int w) {
    INDArray tokens = Nd4j.createUninitialized(inst.dataType(), (long) batch * len, (long) heads * w);
    tokens.reshape('c', batch, len, heads, w).assign(inst.reshape('c', batch, heads, len, w).permute(0, 2, 1, 3));
    return tokens;
  }

  /** An ND4J array as a host tensor of the same shape. */
  static HostTensor host(INDArray a) {
    long[] s = a.shape();
    int[] shape = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      shape[i] = (int) s[i];
    }
    try (Tape temp = new Tape()) {
      INDArray plain = a.isView() || a.ordering() != 'c' ? temp.own(a.dup('c')) : a;
      INDArray d = plain.dataType() == DataType.DOUBLE ? plain : temp.own(plain.castTo(DataType.DOUBLE));
      double[] data = d.data().asDouble();
      if (data.length != a.length()) {
        throw new IllegalStateException("buffer of " + data.length + " elements for an array of " + a.length());
      }
      return HostTensor.of(data, shape);
    }
  }

  /** A host tensor as an ND4J array of type {@code dt}. */
  static INDArray array(HostTensor t, DataType dt) {
    long[] shape = new long[t.rank()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = t.dim(i);
    }
    INDArray d = Nd4j.create(t.data(), shape, DataType.DOUBLE);
    if (dt == DataType.DOUBLE) {
      return d;
    }
    INDArray cast = d.castTo(dt);
    Tape.free(d);
    return cast;
  }
}
