package org.lactspark.model.layer;

import java.util.Collection;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.lactspark.kernel.params.ParamSpec;
import org.lactspark.model.nn.LactLayerSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The LaCT layer ({@code LaCTSWIGLULayer}) as a DL4J layer: input {@code [B, L, d]}, the block's
 * normalised hidden state; output {@code [B, L, d]}. With {@code bidirectional} set it is the set
 * variant for set or image inputs.
 */
public class LactSwiGluLayer extends LactFieldsConf {
  private static final long serialVersionUID = 1L;

  /** For JSON. */
  public LactSwiGluLayer() {}

  /** A layer computing {@code spec}. */
  public static LactSwiGluLayer of(LactLayerSpec spec, double initializerRange, double fwInitGain) {
    LactSwiGluLayer l = new LactSwiGluLayer();
    l.applySpec(spec);
    l.initializerRange = initializerRange;
    l.fwInitGain = fwInitGain;
    return l;
  }

  @Override
  public List<ParamSpec> paramSpecs() {
    return lactParams("");
  }

  @Override
  public long outputWidth() {
    return hiddenSize;
  }

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int index, INDArray paramsView, boolean initializeParams,
      DataType dataType) {
    return wire(new LactSwiGluLayerImpl(conf, dataType), conf, listeners, index, paramsView, initializeParams);
  }
}
