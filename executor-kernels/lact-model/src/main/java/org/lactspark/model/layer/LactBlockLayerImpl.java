package org.lactspark.model.layer;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.lactspark.model.nn.LactBlock;

/** Runs {@link LactBlock}; keeps the last training forward's pass for the backward. */
final class LactBlockLayerImpl extends ModelLayerImpl<LactBlockLayer> {
  private static final long serialVersionUID = 1L;

  private transient LactBlock math;
  private transient LactBlock.Pass pass;

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
  protected INDArray forward(INDArray input, INDArray mask, boolean training) {
    release();
    LactBlock.Pass p = math().forward(parameters(), input, mask);
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
      throw new IllegalStateException("LaCT block " + layerId() + ": backward without a training forward");
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
