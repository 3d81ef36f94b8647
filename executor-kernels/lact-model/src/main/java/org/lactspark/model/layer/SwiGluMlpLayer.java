package org.lactspark.model.layer;

import java.util.Collection;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.lactspark.kernel.params.ParamInit;
import org.lactspark.kernel.params.ParamSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.lactspark.kernel.params.LactModelLayout;

/** The block's SwiGLU MLP {@code down(silu(gate(x)) * up(x))}, no biases. */
public class SwiGluMlpLayer extends ModelLayerConf {
  private static final long serialVersionUID = 1L;

  private int hiddenSize;
  private int mlpWidth;

  /** For JSON. */
  public SwiGluMlpLayer() {}

  /** An MLP of model width {@code d} and inner width {@code mlpWidth}. */
  public static SwiGluMlpLayer of(int d, int mlpWidth, double initializerRange) {
    SwiGluMlpLayer l = new SwiGluMlpLayer();
    l.hiddenSize = d;
    l.mlpWidth = mlpWidth;
    l.initializerRange = initializerRange;
    return l;
  }

  @Override
  public List<ParamSpec> paramSpecs() {
    return LactModelLayout.mlp("", hiddenSize, mlpWidth, initializerRange);
  }

  @Override
  public long outputWidth() {
    return hiddenSize;
  }

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int index, INDArray paramsView, boolean initializeParams,
      DataType dataType) {
    return wire(new SwiGluMlpLayerImpl(conf, dataType), conf, listeners, index, paramsView, initializeParams);
  }

  public int getHiddenSize() {
    return hiddenSize;
  }

  public void setHiddenSize(int hiddenSize) {
    this.hiddenSize = hiddenSize;
  }

  public int getMlpWidth() {
    return mlpWidth;
  }

  public void setMlpWidth(int mlpWidth) {
    this.mlpWidth = mlpWidth;
  }
}
