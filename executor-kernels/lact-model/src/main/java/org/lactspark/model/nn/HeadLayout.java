package org.lactspark.model.nn;

import org.lactspark.kernel.HostTensor;
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

  /** {@code [B*L, H*w]} to {@code [B*H, L, w]}. */
  INDArray toInstances(INDArray tokens, int w) {
    return tokens.reshape('c', batch, len, heads, w).permute(0, 2, 1, 3).dup('c').reshape('c', (long) batch * heads, len, w);
  }

  /** {@code [B*H, L, w]} to {@code [B*L, H*w]}. */
  INDArray toTokens(INDArray inst, int w) {
    return inst.reshape('c', batch, heads, len, w).permute(0, 2, 1, 3).dup('c').reshape('c', (long) batch * len, (long) heads * w);
  }

  /** An ND4J array as a host tensor of the same shape. */
  static HostTensor host(INDArray a) {
    long[] s = a.shape();
    int[] shape = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      shape[i] = (int) s[i];
    }
    return HostTensor.of(a.dup('c').castTo(DataType.DOUBLE).data().asDouble(), shape);
  }

  /** A host tensor as an ND4J array of type {@code dt}. */
  static INDArray array(HostTensor t, DataType dt) {
    long[] shape = new long[t.rank()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = t.dim(i);
    }
    return Nd4j.create(t.data(), shape, DataType.DOUBLE).castTo(dt);
  }
}
