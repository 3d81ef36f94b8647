package org.lactspark.model.layer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.lactspark.kernel.params.LactModelLayout;
import org.lactspark.kernel.params.ParamInit;
import org.lactspark.kernel.params.ParamSpec;
import org.lactspark.model.nn.LactLayerSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The pre-norm residual block ({@code LaCTBlock}, lact-spec 1.10):
 * {@code h = x + attn(RMSNorm(x)); out = h + mlp(RMSNorm(h))}, with the official parameter names
 * {@code attn_norm.weight}, {@code attn.*}, {@code mlp_norm.weight}, {@code mlp.*}.
 */
public class LactBlockLayer extends LactFieldsConf {
  private static final long serialVersionUID = 1L;

  private double normEps = 1e-6;
  private int mlpWidth;

  /** For JSON. */
  public LactBlockLayer() {}

  /** A block around the LaCT layer {@code spec}. */
  public static LactBlockLayer of(LactLayerSpec spec, double initializerRange, double fwInitGain,
      double normEps, int mlpWidth) {
    LactBlockLayer l = new LactBlockLayer();
    l.applySpec(spec);
    l.initializerRange = initializerRange;
    l.fwInitGain = fwInitGain;
    l.normEps = normEps;
    l.mlpWidth = mlpWidth;
    return l;
  }

  @Override
  public List<ParamSpec> paramSpecs() {
    List<ParamSpec> p = new ArrayList<>();
    p.add(new ParamSpec("attn_norm.weight", new int[] {hiddenSize}, ParamInit.ONES));
    p.addAll(lactParams("attn."));
    p.add(new ParamSpec("mlp_norm.weight", new int[] {hiddenSize}, ParamInit.ONES));
    p.addAll(LactModelLayout.mlp("mlp.", hiddenSize, mlpWidth, initializerRange));
    return p;
  }

  @Override
  public long outputWidth() {
    return hiddenSize;
  }

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int index, INDArray paramsView, boolean initializeParams,
      DataType dataType) {
    return wire(new LactBlockLayerImpl(conf, dataType), conf, listeners, index, paramsView, initializeParams);
  }

  public double getNormEps() {
    return normEps;
  }

  public void setNormEps(double normEps) {
    this.normEps = normEps;
  }

  public int getMlpWidth() {
    return mlpWidth;
  }

  public void setMlpWidth(int mlpWidth) {
    this.mlpWidth = mlpWidth;
  }
}
