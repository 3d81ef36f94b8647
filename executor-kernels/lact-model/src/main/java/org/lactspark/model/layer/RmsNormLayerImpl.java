package org.lactspark.model.layer;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.lactspark.model.nn.RmsNorm;

/** Runs {@link RmsNorm} over the last axis. */
final class RmsNormLayerImpl extends ModelLayerImpl<RmsNormLayer> {
  private static final long serialVersionUID = 1L;

  private transient RmsNorm.Pass pass;

  RmsNormLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  protected INDArray forward(INDArray input, INDArray mask, boolean training) {
    INDArray rows = input.dup('c').reshape('c', -1, layerConf().getWidth());
    pass = RmsNorm.forward(rows, parameters().get("weight"), layerConf().getEps());
    return pass.out().reshape('c', input.shape());
  }

  @Override
  protected INDArray backward(INDArray epsilon) {
    INDArray dy = epsilon.dup('c').reshape('c', -1, layerConf().getWidth());
    return RmsNorm.backward(pass, parameters().get("weight"), dy, gradients().get("weight"))
        .reshape('c', epsilon.shape());
  }
}
