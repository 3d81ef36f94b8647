package org.lactspark.model.layer;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A layer whose forward pass holds state the backward needs (the LaCT op's saved fast weights): it
 * keeps the last training forward's pass, frees it after the backward or at the next forward, and
 * frees an inference pass at once.
 *
 * @param <C> the layer's configuration
 * @param <P> the pass
 */
abstract class PassHoldingLayerImpl<C extends ModelLayerConf, P extends AutoCloseable> extends ModelLayerImpl<C> {
  private static final long serialVersionUID = 1L;

  private transient P pass;

  PassHoldingLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** Runs the forward. */
  abstract P run(INDArray input, INDArray mask);

  /** The output of a pass. */
  abstract INDArray output(P p);

  /** The backward of a pass; writes the parameter gradients into {@link #gradients()}. */
  abstract INDArray back(P p, INDArray epsilon);

  @Override
  protected final INDArray forward(INDArray input, INDArray mask, boolean training) {
    release();
    P p = run(input, mask);
    INDArray out = output(p);
    if (training) {
      pass = p;
    } else {
      close(p);
    }
    return out;
  }

  @Override
  protected final INDArray backward(INDArray epsilon) {
    if (pass == null) {
      throw new IllegalStateException(getClass().getSimpleName() + " " + layerId()
          + ": backward without a training forward");
    }
    INDArray dx = back(pass, epsilon);
    release();
    return dx;
  }

  private void release() {
    if (pass != null) {
      close(pass);
      pass = null;
    }
  }

  private static void close(AutoCloseable p) {
    try {
      p.close();
    } catch (Exception e) {
      throw new IllegalStateException("could not free a forward pass", e);
    }
  }

  @Override
  public void clear() {
    super.clear();
    release();
  }
}
