package org.lactspark.model.engine;

import org.lactspark.kernel.model.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link TokenBatch} as the DL4J graph's arrays: the token ids {@code [batch, length]} (the
 * graph's input, and also its labels, since the LM head shifts them itself) and the document
 * numbers {@code [batch, length]} as the feature mask ({@link org.lactspark.model.nn.Segments}),
 * both float32 like the graph.
 */
public final class GraphInputs {
  private GraphInputs() {}

  /** The ids, {@code [batch, length]}. */
  public static INDArray ids(TokenBatch b) {
    return floats(b.ids(), b.batch(), b.length());
  }

  /** The document numbers (0: padding) as the feature mask, {@code [batch, length]}. */
  public static INDArray mask(TokenBatch b) {
    return floats(b.documents(), b.batch(), b.length());
  }

  private static INDArray floats(int[] v, int batch, int length) {
    // ids and document numbers below 2^24 are exact in float32, the graph's type
    float[] f = new float[v.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = v[i];
    }
    return Nd4j.create(f, new long[] {batch, length}, 'c');
  }
}
