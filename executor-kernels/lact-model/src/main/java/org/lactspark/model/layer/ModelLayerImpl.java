package org.lactspark.model.layer;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.lactspark.model.nn.Params;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The implementation side shared by the model's DL4J layers: runs a building block's forward and
 * hand-written backward outside any DL4J workspace (the saved activations must live until the
 * backward, whatever workspace mode the network uses), moves the results into DL4J's workspaces,
 * and passes the sequence mask through.
 *
 * @param <C> the layer's configuration
 */
public abstract class ModelLayerImpl<C extends ModelLayerConf> extends BaseLayer<C> {
  private static final long serialVersionUID = 1L;

  protected ModelLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** The layer's output for {@code input}, with the sequence mask (may be null). */
  protected abstract INDArray forward(INDArray input, INDArray mask, boolean training);

  /**
   * Writes every parameter gradient into {@link #gradients()} and returns the gradient with
   * respect to the input (null for token ids).
   */
  protected abstract INDArray backward(INDArray epsilon);

  /** The parameters by official layer-relative name (views into the network's flat vector). */
  protected Params parameters() {
    return officialNames(params);
  }

  /** The gradient views by official layer-relative name. */
  protected Params gradients() {
    return officialNames(gradientViews);
  }

  private static Params officialNames(Map<String, INDArray> byKey) {
    Map<String, INDArray> m = new LinkedHashMap<>();
    for (Map.Entry<String, INDArray> e : byKey.entrySet()) {
      m.put(ParamKeys.toOfficial(e.getKey()), e.getValue());
    }
    return Params.of(m);
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    INDArray out;
    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      out = forward(input, maskArray, training);
    }
    return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, out);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    INDArray dx;
    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      dx = backward(epsilon);
    }
    Gradient g = new DefaultGradient(gradientsFlattened);
    for (String key : conf().getLayer().initializer().paramKeys(conf().getLayer())) {
      g.gradientForVariable().put(key, gradientViews.get(key));
    }
    return new Pair<>(g, dx == null ? null : workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, dx));
  }

  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray mask, MaskState state, int minibatchSize) {
    this.maskArray = mask;
    this.maskState = state;
    return new Pair<>(mask, state);
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  @Override
  public void clearNoiseWeightParams() {
    // No weight noise.
  }

  @Override
  public boolean hasBias() {
    return false;
  }
}
