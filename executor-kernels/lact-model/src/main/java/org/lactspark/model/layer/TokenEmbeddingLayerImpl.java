package org.lactspark.model.layer;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.lactspark.model.nn.TokenEmbedding;

/** Looks token ids up in {@code weight}; the input (ids) gets no gradient. */
final class TokenEmbeddingLayerImpl extends ModelLayerImpl<TokenEmbeddingLayer> {
  private static final long serialVersionUID = 1L;

  private transient int[] ids;

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
    return null;
  }
}
