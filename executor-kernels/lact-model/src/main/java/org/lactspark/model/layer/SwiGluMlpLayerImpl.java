package org.lactspark.model.layer;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.lactspark.model.nn.SwiGluMlp;

/** Runs {@link SwiGluMlp} over the last axis. */
final class SwiGluMlpLayerImpl extends ModelLayerImpl<SwiGluMlpLayer> {
  private static final long serialVersionUID = 1L;

  private transient SwiGluMlp.Pass pass;

  SwiGluMlpLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  protected INDArray forward(INDArray input, INDArray mask, boolean training) {
    INDArray rows = input.dup('c').reshape('c', -1, layerConf().getHiddenSize());
    pass = SwiGluMlp.forward(parameters(), rows);
    return pass.out().reshape('c', input.shape());
  }

  @Override
  protected INDArray backward(INDArray epsilon) {
    INDArray dy = epsilon.dup('c').reshape('c', -1, layerConf().getHiddenSize());
    return SwiGluMlp.backward(parameters(), pass, dy, gradients()).reshape('c', epsilon.shape());
  }
}
