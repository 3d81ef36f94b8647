package org.lactspark.model.layer;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.lactspark.model.nn.LactBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Runs {@link LactBlock}. */
final class LactBlockLayerImpl extends PassHoldingLayerImpl<LactBlockLayer, LactBlock.Pass> {
  private static final long serialVersionUID = 1L;

  private transient LactBlock math;

  LactBlockLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private LactBlock math() {
    if (math == null) {
      LactBlockLayer c = layerConf();
      math = new LactBlock(c.spec(), Kernels.of(c.getBackend(), dataType), c.getNormEps());
    }
    return math;
  }

  @Override
  LactBlock.Pass run(INDArray input, INDArray mask) {
    return math().forward(parameters(), input, mask);
  }

  @Override
  INDArray output(LactBlock.Pass p) {
    return p.output();
  }

  @Override
  INDArray back(LactBlock.Pass p, INDArray epsilon) {
    return math().backward(parameters(), p, epsilon, gradients());
  }
}
