package org.lactspark.driver.dist;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
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

  /**
   * @param modelKey identifies the model on executors (the run and the model config)
   * @param microBatch sequences per forward/backward
   */
  public SyncStep(JavaSparkContext sc, ModelConfig model, String modelKey, int microBatch) {
    this.sc = sc;
    this.model = model;
    this.modelKey = modelKey;
    this.microBatch = microBatch;
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

  /** Computes gradients ({@code train}) or losses only on {@code shares} (one task each) at {@code params}. */
  public Result run(float[] params, List<Sequences> shares, boolean train, String description) {
    long version = VERSIONS.incrementAndGet();
    long t0 = System.nanoTime();
    Broadcast<float[]> b = sc.broadcast(params);
    long t1 = System.nanoTime();
    sc.setJobDescription(description);
    List<Tuple2<Integer, Gradients>> parts;
    try {
      parts = sc.parallelize(shares, shares.size())
          .mapPartitionsWithIndex(new Compute(model, modelKey, microBatch, b, version, train), true)
          .collect();
    } finally {
      b.destroy(false);
    }
    List<Tuple2<Integer, Gradients>> sorted = new ArrayList<>(parts);
    sorted.sort(Comparator.comparing(Tuple2::_1));
    Gradients sum = null;
    for (Tuple2<Integer, Gradients> t : sorted) {
      sum = sum == null ? t._2() : sum.plus(t._2());
    }
    long wall = System.nanoTime() - t0;
    return new Result(sum, new Timing(wall, t1 - t0, sum == null ? 0 : sum.computeNanos()));
  }

  /** The task: one share on a lent worker. */
  private static final class Compute implements Function2<Integer, Iterator<Sequences>,
      Iterator<Tuple2<Integer, Gradients>>>, Serializable {
    private static final long serialVersionUID = 1L;
    private final ModelConfig model;
    private final String key;
    private final int microBatch;
    private final Broadcast<float[]> params;
    private final long version;
    private final boolean train;

    Compute(ModelConfig model, String key, int microBatch, Broadcast<float[]> params, long version, boolean train) {
      this.model = model;
      this.key = key;
      this.microBatch = microBatch;
      this.params = params;
      this.version = version;
      this.train = train;
    }

    @Override
    public Iterator<Tuple2<Integer, Gradients>> call(Integer part, Iterator<Sequences> shares) {
      List<Tuple2<Integer, Gradients>> out = new ArrayList<>();
      while (shares.hasNext()) {
        Sequences s = shares.next();
        Gradients g = Workers.with(key + GpuBinding.bindCurrentTask(), () -> new ModelWorker(model), w -> {
          w.setParams(version, params.value());
          return train ? w.gradients(s, microBatch) : w.loss(s, microBatch);
        });
        out.add(new Tuple2<>(part, g));
      }
      return out.iterator();
    }
  }
}
