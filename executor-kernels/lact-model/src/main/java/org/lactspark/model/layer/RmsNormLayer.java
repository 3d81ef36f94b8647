package org.lactspark.model.layer;

import java.util.Collection;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.lactspark.kernel.params.ParamInit;
import org.lactspark.kernel.params.ParamSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** RMSNorm over the last axis, {@code weight [width]} initialised to ones (the block and final norms). */
public class RmsNormLayer extends ModelLayerConf {
  private static final long serialVersionUID = 1L;

  private int width;
  private double eps = 1e-6;

  /** For JSON. */
  public RmsNormLayer() {}

  /** A norm over {@code width} channels with {@code eps} inside the square root. */
  public static RmsNormLayer of(int width, double eps) {
    RmsNormLayer l = new RmsNormLayer();
    l.width = width;
    l.eps = eps;
    return l;
  }

  @Override
  public List<ParamSpec> paramSpecs() {
    return List.of(new ParamSpec("weight", new int[] {width}, ParamInit.ONES));
  }

  @Override
  public long outputWidth() {
    return width;
  }

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int index, INDArray paramsView, boolean initializeParams,
      DataType dataType) {
    return wire(new RmsNormLayerImpl(conf, dataType), conf, listeners, index, paramsView, initializeParams);
  }

  public int getWidth() {
    return width;
  }

  public void setWidth(int width) {
    this.width = width;
  }

  public double getEps() {
    return eps;
  }

  public void setEps(double eps) {
    this.eps = eps;
  }
}
