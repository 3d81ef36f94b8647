package org.lactspark.model.layer;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.lactspark.model.nn.TokenEmbedding;

/** Looks token ids up in {@code weight}; the input (ids) gets no gradient. */
final class TokenEmbeddingLayerImpl extends ModelLayerImpl<TokenEmbeddingLayer> {
  private static final long serialVersionUID = 1L;

  private transient int[] ids;
  private transient INDArray headGradient;

  TokenEmbeddingLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  protected INDArray forward(INDArray input, INDArray mask, boolean training) {
    ids = TokenEmbedding.ids(input, layerConf().getVocabSize());
    return TokenEmbedding.forward(parameters().get("weight"), ids)
        .reshape('c', input.size(0), input.size(1), layerConf().getHiddenSize());
  }

  @Override
  protected INDArray backward(INDArray epsilon) {
    TokenEmbedding.backward(ids, epsilon.dup('c').reshape('c', -1, layerConf().getHiddenSize()),
        gradients().get("weight"), layerConf().getPadTokenId());
    if (headGradient != null) {
      gradients().get("weight").addi(headGradient);
      headGradient = null;
    }
    return null;
  }

  /** The embedding matrix {@code [V, d]} (a tied LM head reads it). */
  INDArray weight() {
    return parameters().get("weight");
  }

  /**
   * A tied LM head's weight gradient, added to this layer's in its backward (which runs after the
   * head's in the graph's backward pass).
   */
  void addHeadGradient(INDArray dw) {
    headGradient = dw;
  }
}
