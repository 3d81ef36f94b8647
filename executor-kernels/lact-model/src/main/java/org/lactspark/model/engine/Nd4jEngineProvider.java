package org.lactspark.model.engine;

import java.util.Optional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.model.ModelEngine;
import org.lactspark.kernel.model.ModelEngineProvider;
import org.lactspark.model.graph.LactModels;
import org.lactspark.model.graph.ModelParams;

/**
 * The {@code nd4j} engine: the DL4J graph, float32, with the ND4J kernel backend. Lowest priority,
 * since it runs every model anywhere (on ND4J's CPU backend at worst), which makes it what
 * {@code auto} ends with.
 */
public final class Nd4jEngineProvider implements ModelEngineProvider {
  /** The engine's name. */
  public static final String NAME = "nd4j";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 0;
  }

  /** Always empty: ND4J runs any model here. */
  @Override
  public Optional<String> unavailableReason(ModelConfig config, int device) {
    return Optional.empty();
  }

  @Override
  public ModelEngine open(ModelConfig config, int device) {
    Nd4jDevices.bind(device);
    ComputationGraph graph = LactModels.build(config, LactModels.Options.defaults());
    // the engine promises the shared flat layout: a graph that orders its parameters otherwise
    // would exchange vectors with other engines and checkpoints silently wrong
    ModelParams.requireLayout(graph, config);
    return new Nd4jModelEngine(config, device, graph);
  }
}
