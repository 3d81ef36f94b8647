package org.lactspark.model.layer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.lactspark.kernel.params.ParamLayout;
import org.lactspark.kernel.params.ParamSpec;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Lays a {@link ModelLayerConf}'s parameters end to end in its slice of the network's flat
 * parameter (and gradient) vector, in the order of {@link ModelLayerConf#paramSpecs()}, and fills
 * them with the project's initialisation ({@link ParamLayout#initialValues}), seeded by the full
 * official name so a layer's initial values equal those of the whole model's layout.
 */
public final class SpecParamInitializer implements ParamInitializer {
  /** The one instance; it holds no state. */
  public static final SpecParamInitializer INSTANCE = new SpecParamInitializer();

  private SpecParamInitializer() {}

  private static ModelLayerConf conf(Layer layer) {
    if (!(layer instanceof ModelLayerConf m)) {
      throw new IllegalArgumentException("not a LaCT model layer: " + layer.getClass().getName());
    }
    return m;
  }

  @Override
  public long numParams(NeuralNetConfiguration conf) {
    return numParams(conf.getLayer());
  }

  @Override
  public long numParams(Layer layer) {
    long n = 0;
    for (ParamSpec s : conf(layer).paramSpecs()) {
      n += s.size();
    }
    return n;
  }

  @Override
  public List<String> paramKeys(Layer layer) {
    List<String> keys = new ArrayList<>();
    for (ParamSpec s : conf(layer).paramSpecs()) {
      keys.add(ParamKeys.toDl4j(s.name()));
    }
    return keys;
  }

  @Override
  public List<String> weightKeys(Layer layer) {
    List<String> keys = new ArrayList<>();
    for (String k : paramKeys(layer)) {
      if (isWeightParam(layer, k)) {
        keys.add(k);
      }
    }
    return keys;
  }

  @Override
  public List<String> biasKeys(Layer layer) {
    List<String> keys = new ArrayList<>();
    for (String k : paramKeys(layer)) {
      if (isBiasParam(layer, k)) {
        keys.add(k);
      }
    }
    return keys;
  }

  @Override
  public boolean isWeightParam(Layer layer, String key) {
    return !isBiasParam(layer, key);
  }

  @Override
  public boolean isBiasParam(Layer layer, String key) {
    return key.endsWith("bias");
  }

  @Override
  public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
    ModelLayerConf layer = conf(conf.getLayer());
    Map<String, INDArray> views = views(layer, paramsView);
    if (initializeParams) {
      for (ParamSpec s : layer.paramSpecs()) {
        ParamSpec full = new ParamSpec(layer.getParamPrefix() + s.name(), s.shape(), s.init());
        double[] v = ParamLayout.initialValues(full, layer.getInitSeed());
        INDArray target = views.get(ParamKeys.toDl4j(s.name()));
        target.assign(Nd4j.create(v, target.shape(), 'c').castTo(target.dataType()));
      }
    }
    return views;
  }

  @Override
  public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
    return views(conf(conf.getLayer()), gradientView);
  }

  /** Named, shaped views of consecutive ranges of a {@code [n]} or {@code [1, n]} flat view. */
  private static Map<String, INDArray> views(ModelLayerConf layer, INDArray flat) {
    Map<String, INDArray> out = new LinkedHashMap<>();
    long off = 0;
    for (ParamSpec s : layer.paramSpecs()) {
      long n = s.size();
      INDArray range = flat.rank() == 1
          ? flat.get(NDArrayIndex.interval(off, off + n))
          : flat.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(off, off + n));
      long[] shape = new long[s.shape().length];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = s.shape()[i];
      }
      out.put(ParamKeys.toDl4j(s.name()), range.reshape('c', shape));
      off += n;
    }
    return out;
  }
}
