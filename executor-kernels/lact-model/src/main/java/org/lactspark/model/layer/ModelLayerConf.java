package org.lactspark.model.layer;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.lactspark.kernel.params.ParamSpec;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The configuration side shared by the model's DL4J layers: parameters declared as {@link
 * ParamSpec}s with official names, initialised by {@link SpecParamInitializer} from the project's
 * layout rules; sequence activations {@code [batch, length, width]}; no DL4J preprocessors. DL4J's
 * JSON keeps a field only if it has a getter and a setter, so every subclass field has both.
 */
public abstract class ModelLayerConf extends BaseLayer {
  private static final long serialVersionUID = 1L;

  /** Official name prefix of this layer's parameters, e.g. {@code model.layers.0.}; seeds init. */
  protected String paramPrefix = "";
  /** Seed of the initialisation (the model's seed). */
  protected long initSeed;
  /** Std of the linear weights at initialisation. */
  protected double initializerRange = 0.02;

  /** For JSON. */
  protected ModelLayerConf() {}

  /** This layer's parameters, named relative to the layer, in flat-vector order. */
  public abstract List<ParamSpec> paramSpecs();

  /** The width of this layer's output activations (the last axis). */
  public abstract long outputWidth();

  /** Connects a new implementation to its configuration and its slice of the parameter vector. */
  protected <L extends ModelLayerImpl<?>> L wire(L layer, NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int index, INDArray paramsView, boolean initializeParams) {
    layer.setListeners(listeners);
    layer.setIndex(index);
    layer.setParamsViewArray(paramsView);
    Map<String, INDArray> table = initializer().init(conf, paramsView, initializeParams);
    layer.setParamTable(table);
    layer.setConf(conf);
    return layer;
  }

  @Override
  public ParamInitializer initializer() {
    return SpecParamInitializer.INSTANCE;
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    return InputType.recurrent(outputWidth());
  }

  @Override
  public void setNIn(InputType inputType, boolean override) {
    // Widths come from the model config, never from the input type.
  }

  @Override
  public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
    return null;
  }

  @Override
  public boolean isPretrainParam(String paramName) {
    return false;
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    long params = SpecParamInitializer.INSTANCE.numParams(this);
    return new LayerMemoryReport.Builder(layerName, getClass(), inputType, getOutputType(0, inputType))
        .standardMemory(params, params)
        .workingMemory(0, 0, 0, 0)
        .cacheMemory(0, 0)
        .build();
  }

  public String getParamPrefix() {
    return paramPrefix;
  }

  public void setParamPrefix(String paramPrefix) {
    this.paramPrefix = paramPrefix;
  }

  public long getInitSeed() {
    return initSeed;
  }

  public void setInitSeed(long initSeed) {
    this.initSeed = initSeed;
  }

  public double getInitializerRange() {
    return initializerRange;
  }

  public void setInitializerRange(double initializerRange) {
    this.initializerRange = initializerRange;
  }
}
