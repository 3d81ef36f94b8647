package org.lactspark.driver.dist;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.NonFiniteException;
import org.lactspark.model.graph.LactModels;
import org.lactspark.model.nn.ShiftedCrossEntropy;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One model on an executor, kept across steps (building the graph costs more than a step of a
 * small model): it takes the step's parameters, and returns the gradient of the summed token loss
 * over its sequences, accumulated micro-batch by micro-batch. Sums, not means, so that workers'
 * results add up to the global batch's whatever the split. Not thread-safe; {@link Workers} lends
 * one to one task at a time.
 */
public final class ModelWorker {
  private final ModelConfig config;
  private final ComputationGraph graph;
  private long version = Long.MIN_VALUE;
  /** The streaming view of the graph's parameters (built on first use; its state restarts per sequence). */
  private org.lactspark.model.stream.StreamingModel stream;

  /** A worker of {@code config}; the initial parameters are replaced by the first {@link #setParams}. */
  public ModelWorker(ModelConfig config) {
    this.config = config;
    this.graph = LactModels.build(config, LactModels.Options.defaults());
  }

  /** The flat parameter vector's length. */
  public long size() {
    return graph.numParams();
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
   * installed; chunk by chunk, so a vector of any size is never copied whole.
   */
  public void setParams(long version, float[][] chunks) {
    if (version == this.version) {
      return;
    }
    long total = 0;
    for (float[] c : chunks) {
      total += c.length;
    }
    if (total != graph.numParams()) {
      throw new IllegalArgumentException("parameters: " + total + " values, the model has " + graph.numParams());
    }
    INDArray flat = graph.params();
    long at = 0;
    for (float[] c : chunks) {
      org.nd4j.linalg.indexing.INDArrayIndex range = org.nd4j.linalg.indexing.NDArrayIndex.interval(at, at + c.length);
      INDArray part = flat.rank() == 1 ? flat.get(range)
          : flat.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), range);
      part.assign(Nd4j.create(c, part.shape(), 'c'));
      at += c.length;
    }
    this.version = version;
  }

  /**
   * The summed loss and gradient over {@code seqs}, {@code microBatch} sequences per pass; a NaN
   * loss and no gradient when the parameters have diverged so far that the model meets a NaN or an
   * infinity ({@link NonFiniteException}): the driver then skips the step.
   */
  public Gradients gradients(Sequences seqs, int microBatch) {
    try {
      return accumulate(seqs, microBatch);
    } catch (NonFiniteException e) {
      graph.clearLayerMaskArrays();
      return new Gradients(null, Double.NaN, 0, seqs.count(), 0);
    }
  }

  private Gradients accumulate(Sequences seqs, int microBatch) {
    long t0 = System.nanoTime();
    double[] sum = new double[(int) graph.numParams()];
    double loss = 0;
    long scored = 0;
    for (int from = 0; from < seqs.count(); from += microBatch) {
      int to = Math.min(seqs.count(), from + microBatch);
      INDArray[] in = arrays(seqs, from, to);
      graph.setInputs(in[0]);
      graph.setLabels(in[0]);
      graph.setLayerMaskArrays(new INDArray[] {in[1]}, null);
      graph.computeGradientAndScore();
      long n = scored(in[0], in[1]);
      float[] g = graph.gradient().gradient().dup('c').data().asFloat();
      for (int i = 0; i < sum.length; i++) {
        sum[i] += (double) g[i] * n;
      }
      loss += graph.score() * n;
      scored += n;
      graph.clearLayerMaskArrays();
    }
    float[] out = new float[sum.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) sum[i];
    }
    return new Gradients(out, loss, scored, seqs.count(), System.nanoTime() - t0);
  }

  /** The summed loss over {@code seqs} without gradients (validation). */
  public Gradients loss(Sequences seqs, int microBatch) {
    long t0 = System.nanoTime();
    double loss = 0;
    long scored = 0;
    for (int from = 0; from < seqs.count(); from += microBatch) {
      int to = Math.min(seqs.count(), from + microBatch);
      INDArray[] in = arrays(seqs, from, to);
      long n = scored(in[0], in[1]);
      loss += graph.score(new MultiDataSet(new INDArray[] {in[0]}, new INDArray[] {in[0]}, new INDArray[] {in[1]},
          null)) * n;
      scored += n;
    }
    return new Gradients(null, loss, scored, seqs.count(), System.nanoTime() - t0);
  }

  /**
   * Each position's loss and greedy prediction over sequences {@code from..to-1} in one forward
   * pass (evaluation): rows are {@code [b * L]}, sequence-major; {@code targets} says which
   * positions are scored and against which token (the head's own rule, -1 where not scored).
   */
  public record Scored(ShiftedCrossEntropy.TokenScores scores, int[] targets, long nanos) {}

  /** Scores sequences {@code from..to-1} of {@code seqs}. */
  public Scored score(Sequences seqs, int from, int to) {
    long t0 = System.nanoTime();
    INDArray[] in = arrays(seqs, from, to);
    INDArray logits = graph.output(false, new INDArray[] {in[0]}, new INDArray[] {in[1]})[0];
    int[] targets = ShiftedCrossEntropy.targets(in[0], in[1], config.documentRestart(), config.vocabSize());
    ShiftedCrossEntropy.TokenScores s = ShiftedCrossEntropy.score(logits.reshape('c', -1, logits.size(2)), targets);
    graph.clearLayerMaskArrays();
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
    if (stream == null) {
      stream = org.lactspark.model.stream.StreamingModel.of(graph, config);
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
      INDArray logits = stream.feed(java.util.Arrays.copyOfRange(tokens, from, to));
      try {
        ShiftedCrossEntropy.TokenScores s =
            ShiftedCrossEntropy.score(logits, java.util.Arrays.copyOfRange(targets, from, to));
        System.arraycopy(s.loss(), 0, loss, from, to - from);
        System.arraycopy(s.argmax(), 0, argmax, from, to - from);
      } finally {
        logits.close();
      }
    }
    return new Scored(new ShiftedCrossEntropy.TokenScores(loss, argmax), targets, System.nanoTime() - t0);
  }

  private static INDArray[] arrays(Sequences seqs, int from, int to) {
    double[][] im = seqs.idsAndMask(from, to);
    long[] shape = {to - from, seqs.length()};
    return new INDArray[] {Nd4j.create(im[0], shape, DataType.DOUBLE).castTo(DataType.FLOAT),
        Nd4j.create(im[1], shape, DataType.DOUBLE).castTo(DataType.FLOAT)};
  }

  /** Tokens the loss scores in this micro-batch (the head's own rule). */
  private long scored(INDArray ids, INDArray mask) {
    int[] targets = ShiftedCrossEntropy.targets(ids, mask, config.documentRestart(), config.vocabSize());
    long n = 0;
    for (int t : targets) {
      if (t >= 0) {
        n++;
      }
    }
    return n;
  }
}
