package org.lactspark.model.layer;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.lactspark.model.nn.LactLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Runs {@link LactLayer}. */
final class LactSwiGluLayerImpl extends PassHoldingLayerImpl<LactSwiGluLayer, LactLayer.Pass> {
  private static final long serialVersionUID = 1L;

  private transient LactLayer math;

  LactSwiGluLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private LactLayer math() {
    if (math == null) {
      math = new LactLayer(layerConf().spec(), Kernels.of(layerConf().getBackend(), dataType));
    }
    return math;
  }

  @Override
  LactLayer.Pass run(INDArray input, INDArray mask) {
    return math().forward(parameters(), input, mask);
  }

  @Override
  INDArray output(LactLayer.Pass p) {
    return p.output();
  }

  @Override
  INDArray back(LactLayer.Pass p, INDArray epsilon) {
    return math().backward(parameters(), p, epsilon, gradients());
  }
}
