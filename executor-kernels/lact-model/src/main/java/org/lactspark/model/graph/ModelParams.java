package org.lactspark.model.graph;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.params.LactModelLayout;
import org.lactspark.kernel.params.ParamLayout;
import org.lactspark.kernel.params.ParamSpec;
import org.lactspark.model.layer.ParamKeys;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The graph's parameters under their official names ({@code model.layers.0.attn.qkv.weight}),
 * and the check that the graph's flat parameter vector is laid out exactly as {@link
 * LactModelLayout} says, so the driver, other backends and checkpoints can exchange the flat
 * vector without DL4J objects.
 */
public final class ModelParams {
  private ModelParams() {}

  /** Every parameter of {@code graph} by official name: views into its flat vector, in its order. */
  public static Map<String, INDArray> byOfficialName(ComputationGraph graph) {
    Map<String, INDArray> out = new LinkedHashMap<>();
    for (Layer layer : graph.getLayers()) {
      String vertex = layer.conf().getLayer().getLayerName();
      for (Map.Entry<String, INDArray> e : layer.paramTable().entrySet()) {
        out.put(vertex + "." + ParamKeys.toOfficial(e.getKey()), e.getValue());
      }
    }
    return out;
  }

  /** The gradient of the last {@code computeGradientAndScore} by official name. */
  public static Map<String, INDArray> gradientsByOfficialName(Gradient gradient) {
    Map<String, INDArray> out = new LinkedHashMap<>();
    for (Map.Entry<String, INDArray> e : gradient.gradientForVariable().entrySet()) {
      String key = e.getKey();
      int cut = key.lastIndexOf('_');
      out.put(key.substring(0, cut) + "." + ParamKeys.toOfficial(key.substring(cut + 1)), e.getValue());
    }
    return out;
  }

  /**
   * Checks that {@code graph.params()} is {@code LactModelLayout.of(config)}: the same names,
   * shapes, order and offsets.
   *
   * @throws IllegalStateException naming the first parameter that differs
   */
  public static void requireLayout(ComputationGraph graph, ModelConfig config) {
    ParamLayout layout = LactModelLayout.of(config);
    Map<String, INDArray> params = byOfficialName(graph);
    if (params.size() != layout.specs().size()) {
      throw new IllegalStateException("graph has " + params.size() + " parameters, the layout "
          + layout.specs().size());
    }
    long offset = 0;
    int i = 0;
    for (Map.Entry<String, INDArray> e : params.entrySet()) {
      ParamSpec s = layout.specs().get(i++);
      if (!s.name().equals(e.getKey()) || s.size() != e.getValue().length()
          || layout.offset(s.name()) != offset) {
        throw new IllegalStateException("graph parameter " + e.getKey() + " at offset " + offset
            + " does not match layout entry " + s);
      }
      offset += s.size();
    }
    if (offset != graph.numParams()) {
      throw new IllegalStateException("graph holds " + graph.numParams() + " values, layout " + offset);
    }
  }
}
