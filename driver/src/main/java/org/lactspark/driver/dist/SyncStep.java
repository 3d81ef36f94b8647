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

  /** What a task computes from its share and the broadcast parameters. */
  public interface Work extends Serializable {
    /** The result of one share at {@code params} (version {@code version}). */
    Gradients apply(Sequences share, float[] params, long version);
  }

  /** Computes gradients ({@code train}) or losses only on {@code shares} (one task each) at {@code params}. */
  public Result run(float[] params, List<Sequences> shares, boolean train, String description) {
    return run(new ModelWork(model, modelKey, microBatch, train), params, shares, description);
  }

  /**
   * The same pass with any {@code work}: broadcast, one task per share, results added in task
   * order (the communication benchmark runs it with work that computes nothing).
   */
  public Result run(Work work, float[] params, List<Sequences> shares, String description) {
    long version = VERSIONS.incrementAndGet();
    long t0 = System.nanoTime();
    Broadcast<float[]> b = sc.broadcast(params);
    long t1 = System.nanoTime();
    sc.setJobDescription(description);
    List<Tuple2<Integer, Gradients>> parts;
    try {
      parts = sc.parallelize(shares, shares.size())
          .mapPartitionsWithIndex(new Compute(work, b, version), true)
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

  /** The model's work: gradients or losses on an executor-resident model. */
  private record ModelWork(ModelConfig model, String key, int microBatch, boolean train) implements Work {
    @Override
    public Gradients apply(Sequences s, float[] params, long version) {
      return Workers.with(key + GpuBinding.bindCurrentTask(), () -> new ModelWorker(model), w -> {
        w.setParams(version, params);
        return train ? w.gradients(s, microBatch) : w.loss(s, microBatch);
      });
    }
  }

  /** The task: one share. */
  private static final class Compute implements Function2<Integer, Iterator<Sequences>,
      Iterator<Tuple2<Integer, Gradients>>>, Serializable {
    private static final long serialVersionUID = 1L;
    private final Work work;
    private final Broadcast<float[]> params;
    private final long version;

    Compute(Work work, Broadcast<float[]> params, long version) {
      this.work = work;
      this.params = params;
      this.version = version;
    }

    @Override
    public Iterator<Tuple2<Integer, Gradients>> call(Integer part, Iterator<Sequences> shares) {
      List<Tuple2<Integer, Gradients>> out = new ArrayList<>();
      while (shares.hasNext()) {
        out.add(new Tuple2<>(part, work.apply(shares.next(), params.value(), version)));
      }
      return out.iterator();
    }
  }
}
