package org.lactspark.driver.dist;

import java.util.Arrays;
import java.util.Optional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.NonFiniteException;
import org.lactspark.kernel.model.EngineOptimizer;
import org.lactspark.kernel.model.LossTargets;
import org.lactspark.kernel.model.ModelEngine;
import org.lactspark.kernel.model.TokenBatch;
import org.lactspark.kernel.model.TrainSteps;
import org.lactspark.kernel.optim.AdamWConfig;
import org.lactspark.kernel.params.LactModelLayout;
import org.lactspark.model.engine.GraphInputs;
import org.lactspark.model.graph.LactModels;
import org.lactspark.model.nn.ShiftedCrossEntropy;
import org.lactspark.model.stream.StreamingModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One model on an executor, kept across steps (building a model costs more than a step of a small
 * one). Training steps ({@link #gradients}, {@link #loss}) run on a {@link ModelEngine} chosen by
 * the train key {@code engine} for the task's device ({@link EngineChoice}); they return the
 * gradient and loss summed over token positions, micro-batch by micro-batch, so that workers'
 * results add up to the global batch's whatever the split. Evaluation ({@link #score}, {@link
 * #scoreStreamed}) needs each position's loss and prediction, which engines do not give, and runs
 * on the DL4J graph. Each is built on first use only: a worker that trains on a GPU holds no CPU
 * graph, and one that evaluates opens no engine. Not thread-safe; {@link Workers} lends one to one
 * task at a time.
 */
public final class ModelWorker {
  private static final Logger LOG = LoggerFactory.getLogger(ModelWorker.class);

  private final ModelConfig config;
  private final String engineName;
  private final int device;
  private final long size;
  /** The installed parameter version. */
  private long version = Long.MIN_VALUE;
  /**
   * The caller's chunks of {@link #version} until the engine or the graph has copied them (after
   * that, the other copies from it), so that a worker never holds a vector of its own beside them.
   */
  private float[][] pending;
  private ModelEngine engine;
  private long engineVersion = Long.MIN_VALUE;
  private ComputationGraph graph;
  private long graphVersion = Long.MIN_VALUE;
  /** The streaming view of the graph's parameters (built on first use; its state restarts per sequence). */
  private StreamingModel stream;

  /** A worker of {@code config} on the CPU, its engine chosen by {@code auto}. */
  public ModelWorker(ModelConfig config) {
    this(config, "auto", -1);
  }

  /**
   * A worker of {@code config} whose training steps run on {@code engine} ({@code auto}, {@code
   * nd4j}, {@code cuda}) on GPU {@code device} (-1: none); the parameters are the first {@link
   * #setParams}'.
   */
  public ModelWorker(ModelConfig config, String engine, int device) {
    this.config = config;
    this.engineName = engine;
    this.device = device;
    this.size = LactModelLayout.of(config).size();
  }

  /** The flat parameter vector's length. */
  public long size() {
    return size;
  }

  /** The model's own initial parameters (seeded by the options), as a flat vector. */
  public static float[] initialParams(ModelConfig config, long seed) {
    return LactModels.build(config, LactModels.Options.defaults().withSeed(seed)).params().data().asFloat();
  }

  /** Installs parameter vector {@code version} unless it is the one installed. */
  public void setParams(long version, float[] params) {
    setParams(version, new float[][] {params});
  }

  /**
   * Installs parameter vector {@code version}, given as consecutive chunks, unless it is the one
   * installed; chunk by chunk, so a vector of any size is never copied whole. The chunks are read
   * when a step first needs them, not here: leave them unchanged until the next step has run (a
   * broadcast value is never changed; a vector the caller updates gets a new version).
   *
   * @throws IllegalArgumentException if the chunks do not hold {@link #size()} values
   */
  public void setParams(long version, float[][] chunks) {
    if (version == this.version) {
      return;
    }
    long total = 0;
    for (float[] c : chunks) {
      total += c.length;
    }
    if (total != size) {
      throw new IllegalArgumentException("parameters: " + total + " values, the model has " + size);
    }
    this.version = version;
    this.pending = chunks;
  }

  /** The engine's name ({@code nd4j}, {@code cuda}), choosing and opening it if it is not yet. */
  public String backend() {
    return engine().backend();
  }

  /** Whether the engine is open (tests: a worker that only evaluates opens none). */
  boolean hasEngine() {
    return engine != null;
  }

  /** Whether the DL4J graph is built (tests: a worker that only trains builds none). */
  boolean hasGraph() {
    return graph != null;
  }

  /** The engine, opened on first use (its parameters not brought up to date). */
  private ModelEngine openEngine() {
    if (engine == null) {
      engine = EngineChoice.choose(engineName, config, device).open(config, device);
      LOG.info("model engine '{}' on {} (train key engine = {})", engine.backend(), engine.device(), engineName);
    }
    return engine;
  }

  /** The engine, opened on first use, holding the installed parameters. */
  private ModelEngine engine() {
    openEngine();
    if (engineVersion != version) {
      engine.setParams(current());
      engineVersion = version;
      pending = null;
    }
    return engine;
  }

  /** The DL4J graph, built on first use, holding the installed parameters. */
  private ComputationGraph graph() {
    if (graph == null) {
      graph = LactModels.build(config, LactModels.Options.defaults());
    }
    if (graphVersion != version) {
      INDArray flat = graph.params();
      long at = 0;
      for (float[] c : current()) {
        INDArrayIndex range = NDArrayIndex.interval(at, at + c.length);
        INDArray part = flat.rank() == 1 ? flat.get(range) : flat.get(NDArrayIndex.point(0), range);
        part.assign(Nd4j.create(c, part.shape(), 'c'));
        at += c.length;
      }
      graphVersion = version;
      pending = null;
    }
    return graph;
  }

  /** The installed parameters: the caller's chunks, or a copy from whichever model holds them. */
  private float[][] current() {
    if (pending != null) {
      return pending;
    }
    if (engine != null && engineVersion == version) {
      return new float[][] {engine.params()};
    }
    if (graph != null && graphVersion == version) {
      return new float[][] {graph.params().dup('c').data().asFloat()};
    }
    throw new IllegalStateException("no parameters installed: call setParams before a step");
  }

  /**
   * The summed loss and gradient over {@code seqs}, {@code microBatch} sequences per pass; a NaN
   * loss and no gradient when the parameters have diverged so far that the model meets a NaN or an
   * infinity ({@link NonFiniteException}): the driver then skips the step.
   */
  public Gradients gradients(Sequences seqs, int microBatch) {
    long t0 = System.nanoTime();
    TrainSteps.Share s = TrainSteps.gradients(engine(), seqs.length(), seqs.tokens(), seqs.starts(), microBatch);
    if (s.grad() == null) {
      return new Gradients(null, Double.NaN, 0, seqs.count(), 0);
    }
    return new Gradients(s.grad(), s.loss(), s.scored(), seqs.count(), System.nanoTime() - t0);
  }

  /**
   * The optimiser of this worker's engine that runs where the engine keeps its parameters
   * ({@link ModelEngine#optimizer}), or empty (the nd4j engine: the caller steps on the host).
   */
  public Optional<EngineOptimizer> engineOptimizer(AdamWConfig config) {
    return openEngine().optimizer(config);
  }

  /**
   * One K-step-averaging local step on the engine with its own optimiser ({@link
   * TrainSteps#localStep}): the parameters change inside the engine, which holds them from then on
   * as version {@code newVersion}; no gradient or parameter crosses to the JVM.
   */
  public TrainSteps.Local localStep(Sequences seqs, int microBatch, EngineOptimizer optimizer, double lr, double clipNorm,
      long newVersion) {
    TrainSteps.Local r = TrainSteps.localStep(engine(), optimizer, seqs.length(), seqs.tokens(), seqs.starts(), microBatch,
        lr, clipNorm);
    version = newVersion;
    engineVersion = newVersion;
    pending = null;
    return r;
  }

  /**
   * The installed parameters as one vector: a copy from the engine or the graph, or the caller's
   * chunks (joined) when no model has taken them yet.
   */
  public float[] params() {
    if (pending == null && engine != null && engineVersion == version) {
      return engine.params();  // already a copy: not joined again (a vector of the model's size)
    }
    return ChunkedSum.join(current());
  }

  /** The summed loss over {@code seqs} without gradients (validation). */
  public Gradients loss(Sequences seqs, int microBatch) {
    long t0 = System.nanoTime();
    ModelEngine.LossSum loss = TrainSteps.loss(engine(), seqs.length(), seqs.tokens(), seqs.starts(), microBatch);
    return new Gradients(null, loss.sum(), loss.scored(), seqs.count(), System.nanoTime() - t0);
  }

  /**
   * Each position's loss and greedy prediction over sequences {@code from..to-1} in one forward
   * pass (evaluation): rows are {@code [b * L]}, sequence-major; {@code targets} says which
   * positions are scored and against which token ({@link LossTargets}, -1 where not scored).
   */
  public record Scored(ShiftedCrossEntropy.TokenScores scores, int[] targets, long nanos) {}

  /** Scores sequences {@code from..to-1} of {@code seqs}. */
  public Scored score(Sequences seqs, int from, int to) {
    long t0 = System.nanoTime();
    ComputationGraph g = graph();
    TokenBatch b = seqs.batch(from, to);
    INDArray logits = g.output(false, new INDArray[] {GraphInputs.ids(b)}, new INDArray[] {GraphInputs.mask(b)})[0];
    int[] targets = LossTargets.of(b, config.documentRestart(), config.vocabSize());
    ShiftedCrossEntropy.TokenScores s = ShiftedCrossEntropy.score(logits.reshape('c', -1, logits.size(2)), targets);
    g.clearLayerMaskArrays();
    if (logits.closeable()) {
      logits.close(); // [b, L, V]: the largest array of the pass, freed now rather than by the GC
    }
    return new Scored(s, targets, System.nanoTime() - t0);
  }

  /**
   * As {@link #score} for one sequence of real tokens (no padding, one document), fed through the
   * model's streaming state {@code segment} tokens at a time: memory is bounded by the segment
   * whatever the sequence's length, and the numbers are the whole-sequence forward's.
   */
  public Scored scoreStreamed(int[] tokens, int segment) {
    if (segment < 1) {
      throw new IllegalArgumentException("segment = " + segment + ": must be >= 1");
    }
    long t0 = System.nanoTime();
    ComputationGraph g = graph();
    if (stream == null) {
      stream = StreamingModel.of(g, config);
    }
    stream.reset();
    int n = tokens.length;
    int[] targets = new int[n];
    double[] loss = new double[n];
    int[] argmax = new int[n];
    for (int p = 0; p < n; p++) {
      targets[p] = p + 1 < n ? tokens[p + 1] : -1;
    }
    for (int from = 0; from < n; from += segment) {
      int to = Math.min(n, from + segment);
      INDArray logits = stream.feed(Arrays.copyOfRange(tokens, from, to));
      try {
        ShiftedCrossEntropy.TokenScores s = ShiftedCrossEntropy.score(logits, Arrays.copyOfRange(targets, from, to));
        System.arraycopy(s.loss(), 0, loss, from, to - from);
        System.arraycopy(s.argmax(), 0, argmax, from, to - from);
      } finally {
        logits.close();
      }
    }
    return new Scored(new ShiftedCrossEntropy.TokenScores(loss, argmax), targets, System.nanoTime() - t0);
  }
}
