package org.lactspark.model.layer;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.lactspark.model.nn.LactLayer;

/** Runs {@link LactLayer}; keeps the last training forward's pass for the backward. */
final class LactSwiGluLayerImpl extends ModelLayerImpl<LactSwiGluLayer> {
  private static final long serialVersionUID = 1L;

  private transient LactLayer math;
  private transient LactLayer.Pass pass;

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
  protected INDArray forward(INDArray input, INDArray mask, boolean training) {
    release();
    LactLayer.Pass p = math().forward(parameters(), input, mask);
    if (training) {
      pass = p;
    } else {
      p.close();
    }
    return p.output();
  }

  @Override
  protected INDArray backward(INDArray epsilon) {
    if (pass == null) {
      throw new IllegalStateException("LaCT layer " + layerId() + ": backward without a training forward");
    }
    INDArray dx = math().backward(parameters(), pass, epsilon, gradients());
    release();
    return dx;
  }

  private void release() {
    if (pass != null) {
      pass.close();
      pass = null;
    }
  }

  @Override
  public void clear() {
    super.clear();
    release();
  }
}
