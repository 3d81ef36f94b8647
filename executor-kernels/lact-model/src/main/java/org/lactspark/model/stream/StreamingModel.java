package org.lactspark.model.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.nd4j.Tape;
import org.lactspark.kernel.spi.KernelBackends;
import org.lactspark.model.graph.LactModels;
import org.lactspark.model.graph.ModelParams;
import org.lactspark.model.layer.LactFieldsConf;
import org.lactspark.model.nn.LactBlock;
import org.lactspark.model.nn.LactLayerSpec;
import org.lactspark.model.nn.LactLayerStream;
import org.lactspark.model.nn.Linear;
import org.lactspark.model.nn.Params;
import org.lactspark.model.nn.RmsNorm;
import org.lactspark.model.nn.TokenEmbedding;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A LaCT language model ({@link LactModels}) run on one sequence (batch 1, one document, no mask)
 * piece by piece: {@link #feed} takes the next tokens and returns their logits, the same as the
 * rows of {@code graph.output} on the whole sequence so far (to rounding: 1e-9 relative in
 * float64 in the tests). Per block it carries a {@link LactLayerStream} (fast weights and
 * momentum, the attention window's rotated keys and values, the partial chunk, the position), so
 * memory does not grow with the length streamed.
 *
 * <p>Feeding more than the config's {@code contextLength} tokens is allowed: RoPE positions keep
 * growing and the fast weights keep learning chunk after chunk, which is what long-context
 * evaluation of a streamed model measures (the model was only trained up to {@code
 * contextLength}).
 *
 * <p>The parameters are the graph's own (views of its flat vector, read by their official names
 * through {@link ModelParams}): changing them between pieces changes the rest of the stream. Not
 * thread-safe; {@link #close()} frees the carried state.
 */
public final class StreamingModel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StreamingModel.class);

  private final ModelConfig config;
  private final DataType dataType;
  private final INDArray embedding;
  private final INDArray finalNorm;
  private final INDArray head;
  private final List<Params> blockParams = new ArrayList<>();
  private final List<LactBlock> blocks = new ArrayList<>();
  private final List<LactLayerStream> states = new ArrayList<>();
  private long position;
  private boolean closed;

  private StreamingModel(ComputationGraph graph, ModelConfig config, LactKernel kernel) {
    this.config = Objects.requireNonNull(config, "config");
    Objects.requireNonNull(kernel, "kernel");
    ModelParams.requireLayout(graph, config);
    Map<String, INDArray> byName = ModelParams.byOfficialName(graph);
    Params all = Params.of(byName);
    this.embedding = all.get("model.embeddings.weight");
    this.finalNorm = all.get("model.norm.weight");
    this.head = config.tieWordEmbeddings() ? embedding : all.get("lm_head.weight");
    this.dataType = embedding.dataType();
    LactLayerSpec spec = LactLayerSpec.of(config);
    for (int i = 0; i < config.numLayers(); i++) {
      Params p = all.sub("model.layers." + i + ".");
      LactBlock block = new LactBlock(spec, kernel, config.normEps());
      blockParams.add(p);
      blocks.add(block);
      states.add(block.stream(p));
    }
    LOG.debug("streaming model: {} blocks, {} on the {} kernel", blocks.size(), dataType, kernel.dtype());
  }

  /**
   * A streaming view of {@code graph} (built by {@link LactModels} from {@code config}) whose LaCT
   * op runs on {@code kernel}. Use a kernel of the graph's precision to get the graph's numbers.
   *
   * @throws IllegalStateException if the graph's parameters are not the layout of {@code config}
   */
  public static StreamingModel of(ComputationGraph graph, ModelConfig config, LactKernel kernel) {
    return new StreamingModel(graph, config, kernel);
  }

  /**
   * As {@link #of(ComputationGraph, ModelConfig, LactKernel)} with the kernel the graph's blocks
   * run on: their backend in the graph's precision.
   */
  public static StreamingModel of(ComputationGraph graph, ModelConfig config) {
    DType dt = ModelParams.byOfficialName(graph).get("model.embeddings.weight").dataType() == DataType.DOUBLE
        ? DType.FLOAT64 : DType.FLOAT32;
    String backend = "auto";
    Layer block = graph.getLayer("model.layers.0");
    if (block != null && block.conf().getLayer() instanceof LactFieldsConf f && f.getBackend() != null) {
      backend = f.getBackend();
    }
    return of(graph, config, KernelBackends.select(backend).kernel(dt));
  }

  /** The model's configuration. */
  public ModelConfig config() {
    return config;
  }

  /** Tokens fed since the start or the last {@link #reset()}: the position of the next one. */
  public long position() {
    return position;
  }

  /**
   * The next tokens of the sequence.
   *
   * @param tokens ids in {@code [0, vocabSize)}, at least one
   * @return the logits of the new tokens {@code [t, vocabSize]} in the graph's precision: a new
   *     array the caller owns (free it with {@code close()} when done; left to the garbage
   *     collector, native buffers pile up: NOTES.md "Memory discipline in nn")
   * @throws IllegalArgumentException naming the bad token and its index
   * @throws IllegalStateException if the model was closed
   */
  public INDArray feed(int[] tokens) {
    requireOpen();
    if (tokens == null || tokens.length == 0) {
      throw new IllegalArgumentException("tokens: at least one token is needed");
    }
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] < 0 || tokens[i] >= config.vocabSize()) {
        throw new IllegalArgumentException("tokens[" + i + "] = " + tokens[i] + ": not an id in [0, "
            + config.vocabSize() + ")");
      }
    }
    INDArray h = TokenEmbedding.forward(embedding, tokens);
    for (int i = 0; i < blocks.size(); i++) {
      INDArray next = blocks.get(i).forwardStream(blockParams.get(i), states.get(i), h);
      Tape.free(h);
      h = next;
    }
    RmsNorm.Pass norm = RmsNorm.forward(h, finalNorm, config.normEps());
    Tape.free(h);
    INDArray logits = Linear.forward(norm.out(), head, null);
    norm.close();
    Tape.free(norm.out());
    position += tokens.length;
    return logits;
  }

  /**
   * What each block carries now, for monitoring and the bound checks.
   *
   * @param cachedPositions attention window positions held per block (at most {@code window - 1})
   * @param pendingTokens partial-chunk tokens per block (below {@code chunkSize})
   * @param updates fast-weight updates written per block
   */
  public record State(int[] cachedPositions, int[] pendingTokens, int[] updates) {}

  /** The carried state's sizes. */
  public State state() {
    requireOpen();
    int n = states.size();
    int[] cached = new int[n];
    int[] pending = new int[n];
    int[] updates = new int[n];
    for (int i = 0; i < n; i++) {
      cached[i] = states.get(i).cachedPositions();
      pending[i] = states.get(i).pendingTokens();
      updates[i] = states.get(i).updates();
    }
    return new State(cached, pending, updates);
  }

  /** Starts a new sequence: position 0, empty windows, the initial fast weights. */
  public void reset() {
    requireOpen();
    for (LactLayerStream s : states) {
      s.reset();
    }
    position = 0;
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("streaming model: closed");
    }
  }

  /** Frees the carried state (not the graph's parameters); idempotent. */
  @Override
  public void close() {
    if (!closed) {
      for (LactLayerStream s : states) {
        s.close();
      }
      closed = true;
    }
  }
}
