package org.lactspark.model.graph;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.conf.ModelConfig;
import org.lactspark.model.layer.LactBlockLayer;
import org.lactspark.model.layer.LmHeadLayer;
import org.lactspark.model.layer.ModelLayerConf;
import org.lactspark.model.layer.RmsNormLayer;
import org.lactspark.model.layer.TiedEmbeddings;
import org.lactspark.model.layer.TokenEmbeddingLayer;
import org.lactspark.model.nn.LactLayerSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Builds the LaCT language model ({@code LaCTForCausalLM}) as a ComputationGraph: input
 * {@value #INPUT} (token ids {@code [B, L]}, with the sequence mask as its feature mask), then
 * {@code model.embeddings}, the blocks {@code model.layers.i}, {@code model.norm} and the output
 * {@code lm_head}. A parameter's graph name is {@code vertex_key} with the key's underscores
 * written as dashes; {@link ModelParams} maps these to the official names.
 */
public final class LactModels {
  /** Name of the graph's input. */
  public static final String INPUT = "input_ids";
  /** Name of the graph's output vertex. */
  public static final String OUTPUT = "lm_head";

  private LactModels() {}

  /**
   * How to build: precision, initialisation seed, kernel backend, and the DL4J updater (the
   * project trains with its own AdamW over the flat vector, so the default is DL4J's NoOp).
   *
   * @param dataType FLOAT or DOUBLE
   * @param seed initialisation seed
   * @param backend kernel backend name, or {@code auto}
   * @param updater DL4J updater for {@code fit}
   */
  public record Options(DataType dataType, long seed, String backend, IUpdater updater) {
    /** float32, seed 0, the ND4J backend, NoOp updater. */
    public static Options defaults() {
      return new Options(DataType.FLOAT, 0L, "nd4j", new NoOp());
    }

    /** These options with another precision. */
    public Options withDataType(DataType dt) {
      return new Options(dt, seed, backend, updater);
    }

    /** These options with another seed. */
    public Options withSeed(long s) {
      return new Options(dataType, s, backend, updater);
    }

    /** These options with another updater. */
    public Options withUpdater(IUpdater u) {
      return new Options(dataType, seed, backend, u);
    }
  }

  /**
   * The graph configuration of {@code c}. With tied embeddings the LM head holds no weight and
   * uses the embedding's at run time ({@link TiedEmbeddings}; {@link #build} connects them).
   */
  public static ComputationGraphConfiguration configuration(ModelConfig c, Options o) {
    ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
        .dataType(o.dataType())
        .seed(o.seed())
        .updater(o.updater())
        // The LM head's score is already the mean over scored tokens; DL4J's minibatch mode would
        // divide the gradient by the batch size a second time.
        .miniBatch(false)
        .trainingWorkspaceMode(WorkspaceMode.NONE)
        .inferenceWorkspaceMode(WorkspaceMode.NONE)
        .graphBuilder()
        .addInputs(INPUT);
    LactLayerSpec spec = LactLayerSpec.of(c);
    String prev = "model.embeddings";
    g.addLayer(prev, named(TokenEmbeddingLayer.of(c.vocabSize(), c.hiddenSize(), c.initializerRange(), c.padTokenId()), prev, o), INPUT);
    for (int i = 0; i < c.numLayers(); i++) {
      String name = "model.layers." + i;
      LactBlockLayer block = LactBlockLayer.of(spec, c.initializerRange(), c.fwInitGain(), c.normEps(), c.mlpWidth());
      block.setBackend(o.backend());
      g.addLayer(name, named(block, name, o), prev);
      prev = name;
    }
    g.addLayer("model.norm", named(RmsNormLayer.of(c.hiddenSize(), c.normEps()), "model.norm", o), prev);
    LmHeadLayer head = LmHeadLayer.of(c.vocabSize(), c.hiddenSize(), c.initializerRange(), c.documentRestart());
    if (c.tieWordEmbeddings()) {
      head.tied();
    }
    g.addLayer(OUTPUT, named(head, OUTPUT, o), "model.norm");
    return g.setOutputs(OUTPUT).build();
  }

  private static ModelLayerConf named(ModelLayerConf layer, String vertex, Options o) {
    layer.setParamPrefix(vertex + ".");
    layer.setInitSeed(o.seed());
    return layer;
  }

  /** A new, initialised graph of {@code c}. */
  public static ComputationGraph build(ModelConfig c, Options o) {
    ComputationGraph graph = new ComputationGraph(configuration(c, o));
    graph.init();
    connect(graph);
    return graph;
  }

  /**
   * Makes the runtime connections a graph of this model needs after it is built or deserialised
   * (a tied LM head to the token embedding: {@link TiedEmbeddings}); safe to call more than once.
   */
  public static void connect(ComputationGraph graph) {
    TiedEmbeddings.connect(graph, "model.embeddings", OUTPUT);
  }
}
