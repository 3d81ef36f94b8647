package org.lactspark.driver.dist;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.lactspark.conf.ModelConfig;
import scala.Tuple2;

/**
 * One data-parallel pass through Spark: the driver broadcasts the parameter vector, each task takes
 * one worker's share of sequences and computes on an executor-resident model ({@link Workers}), and
 * the driver adds the results in task order, so the sum, and with it the whole run, does not depend
 * on which task finished first.
 */
public final class SyncStep {
  private final JavaSparkContext sc;
  private final ModelConfig model;
  private final String modelKey;
  private final int microBatch;
  private final String engine;

  /**
   * @param modelKey identifies the model on executors (the run and the model config)
   * @param microBatch sequences per forward/backward
   * @param engine what computes the steps on executors (train key {@code engine})
   */
  public SyncStep(JavaSparkContext sc, ModelConfig model, String modelKey, int microBatch, String engine) {
    this.sc = sc;
    this.model = model;
    this.modelKey = modelKey;
    this.microBatch = microBatch;
    this.engine = engine;
  }

  /** What a pass cost, besides its result. */
  public record Timing(long wallNanos, long broadcastNanos, long computeNanos) {
    /** Time outside the slowest worker's compute: broadcast, scheduling, transfer, the driver's sum. */
    public long communicationNanos() {
      return Math.max(0, wallNanos - computeNanos);
    }
  }

  /** A pass's result and its timing. */
  public record Result(Gradients sum, Timing timing) {}

  /**
   * Parameter versions: one per pass, unique in the application (executors belong to one), so a
   * worker that already holds a version skips the copy and never mistakes another for it.
   */
  private static final java.util.concurrent.atomic.AtomicLong VERSIONS = new java.util.concurrent.atomic.AtomicLong();

  /** A new parameter version for a vector the driver broadcasts (positive; executors' own are negative). */
  public static long newVersion() {
    return VERSIONS.incrementAndGet();
  }

  /** What a task computes from its share and the broadcast parameters. */
  public interface Work extends Serializable {
    /** The result of one share at the parameters {@code params} ({@link ChunkedSum#split} chunks, version {@code version}). */
    Gradients apply(Sequences share, float[][] params, long version);
  }

  /** Computes gradients ({@code train}) or losses only on {@code shares} (one task each) at {@code params}. */
  public Result run(float[] params, List<Sequences> shares, boolean train, String description) {
    return run(new ModelWork(model, modelKey, microBatch, engine, train), params, shares, params.length, description);
  }

  /**
   * The same pass with any {@code work} whose vectors have length {@code n}: broadcast, one task
   * per share, vectors added chunk by chunk in task order ({@link ChunkedSum}). The communication
   * benchmark runs it with work that computes nothing.
   */
  public Result run(Work work, float[] params, List<Sequences> shares, long n, String description) {
    long version = newVersion();
    long t0 = System.nanoTime();
    Broadcast<float[][]> b = sc.broadcast(ChunkedSum.split(params));
    long t1 = System.nanoTime();
    sc.setJobDescription(description);
    ChunkedSum.Result<Gradients> r;
    try {
      r = ChunkedSum.reduce(sc.parallelize(shares, shares.size())
          .mapPartitionsWithIndex(new Compute(work, b, version, n), true), shares.size(), 1, n);
    } finally {
      b.destroy(false);
    }
    Gradients sum = null;
    for (Gradients g : r.stats()) {
      sum = sum == null ? g : sum.plus(g);
    }
    boolean vectorsSent = r.stats().stream().anyMatch(Gradients::sentVector);
    if (vectorsSent && r.sums()[0] == null) {
      // some worker met a non-finite value and sent no gradient: the step is bad
      sum = new Gradients(null, Double.NaN, sum.scored(), sum.sequences(), sum.computeNanos());
    } else if (vectorsSent) {
      sum = new Gradients(r.sums()[0], sum.lossSum(), sum.scored(), sum.sequences(), sum.computeNanos());
    }
    long wall = System.nanoTime() - t0;
    return new Result(sum, new Timing(wall, t1 - t0, sum == null ? 0 : sum.computeNanos()));
  }

  /** The model's work: gradients or losses on an executor-resident model. */
  private record ModelWork(ModelConfig model, String key, int microBatch, String engine, boolean train)
      implements Work {
    @Override
    public Gradients apply(Sequences s, float[][] params, long version) {
      return Workers.with(key, model, engine, w -> {
        w.setParams(version, params);
        return train ? w.gradients(s, microBatch) : w.loss(s, microBatch);
      });
    }
  }

  /** The task: one share; its statistics and its vector cut into chunks. */
  private static final class Compute implements Function2<Integer, Iterator<Sequences>,
      Iterator<Tuple2<Integer, Tuple2<Integer, Object>>>>, Serializable {
    private static final long serialVersionUID = 1L;
    private final Work work;
    private final Broadcast<float[][]> params;
    private final long version;
    private final long n;

    Compute(Work work, Broadcast<float[][]> params, long version, long n) {
      this.work = work;
      this.params = params;
      this.version = version;
      this.n = n;
    }

    @Override
    public Iterator<Tuple2<Integer, Tuple2<Integer, Object>>> call(Integer part, Iterator<Sequences> shares) {
      List<Tuple2<Integer, Tuple2<Integer, Object>>> out = new ArrayList<>();
      while (shares.hasNext()) {
        Gradients g = work.apply(shares.next(), params.value(), version);
        out.addAll(ChunkedSum.records(part, g.withoutVector(), n, g.grad()));
      }
      return out.iterator();
    }
  }
}
