package org.lactspark.driver.dist;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.model.EngineOptimizer;
import org.lactspark.kernel.model.TrainSteps;
import org.lactspark.kernel.optim.AdamW;
import org.lactspark.kernel.optim.AdamWConfig;
import org.lactspark.kernel.optim.UpdateStep;
import org.lactspark.kernel.params.LactModelLayout;
import scala.Tuple2;

/**
 * Parameter averaging every K steps (averageEvery = K): each task starts from the broadcast
 * parameters and optimiser moments, takes K local AdamW steps on its own shares, and returns its
 * parameters and moments, which are added chunk by chunk in task order ({@link ChunkedSum}) and
 * divided by the number of workers. Communication happens once per
 * K steps instead of every step, at the price of workers drifting apart in between. With one
 * worker it is exactly synchronous training.
 */
public final class AveragingRound {
  /** Local parameter versions on executors: negative, apart from the driver's positive ones. */
  private static final AtomicLong LOCAL_VERSIONS = new AtomicLong();

  private final JavaSparkContext sc;
  private final ModelConfig model;
  private final String modelKey;
  private final int microBatch;
  private final AdamWConfig adam;
  private final double clipNorm;
  private final String engine;

  /** A round runner for {@code model}; see {@link SyncStep} for the key, micro-batches and engine. */
  public AveragingRound(JavaSparkContext sc, ModelConfig model, String modelKey, int microBatch, AdamWConfig adam,
      double clipNorm, String engine) {
    this.sc = sc;
    this.model = model;
    this.modelKey = modelKey;
    this.microBatch = microBatch;
    this.adam = adam;
    this.clipNorm = clipNorm;
    this.engine = engine;
  }

  /**
   * A worker's (or, added up, all workers') result of a round.
   *
   * @param params parameters after the local steps (summed over workers until {@link #mean})
   * @param m first moments
   * @param v second moments
   * @param lossSum per local step, the summed token loss
   * @param scored per local step, the tokens scored
   * @param normSum per local step, the sum of the workers' gradient norms
   * @param workers workers added
   * @param computeNanos the slowest worker's compute time
   */
  public record Outcome(float[] params, float[] m, float[] v, double[] lossSum, long[] scored, double[] normSum,
      int workers, long computeNanos) implements Serializable {
    /** The statistics of two workers added (vectors travel apart, through {@link ChunkedSum}). */
    Outcome plusStats(Outcome o) {
      double[] l = lossSum.clone();
      long[] s = scored.clone();
      double[] n = normSum.clone();
      for (int k = 0; k < l.length; k++) {
        l[k] += o.lossSum[k];
        s[k] += o.scored[k];
        n[k] += o.normSum[k];
      }
      return new Outcome(null, null, null, l, s, n, workers + o.workers, Math.max(computeNanos, o.computeNanos));
    }

    /** These statistics with the workers' mean parameters and moments, from their sums. */
    Outcome withMeans(float[] sumParams, float[] sumM, float[] sumV) {
      return new Outcome(div(sumParams), div(sumM), div(sumV), lossSum, scored, normSum, workers, computeNanos);
    }

    private float[] div(float[] a) {
      float[] c = new float[a.length];
      for (int i = 0; i < c.length; i++) {
        c[i] = a[i] / workers;
      }
      return c;
    }
  }

  /**
   * Runs one round: {@code shares.get(w).get(k)} is worker w's share of local step k, {@code lrs[k]}
   * that step's learning rate.
   */
  public Outcome run(float[] params, AdamW.State state, List<List<Sequences>> shares, double[] lrs,
      String description) {
    Broadcast<float[][]> p = sc.broadcast(ChunkedSum.split(params));
    Broadcast<float[][][]> s = sc.broadcast(new float[][][] {ChunkedSum.split(state.m()), ChunkedSum.split(state.v())});
    long steps = state.steps();
    sc.setJobDescription(description);
    try {
      ChunkedSum.Result<Outcome> r = ChunkedSum.reduce(sc.parallelize(shares, shares.size())
          .mapPartitionsWithIndex(new Local(model, modelKey, microBatch, engine, adam, clipNorm, p, s, steps, lrs), true),
          shares.size(), 3, params.length);
      Outcome sum = null;
      for (Outcome o : r.stats()) {
        sum = sum == null ? o : sum.plusStats(o);
      }
      return sum.withMeans(r.sums()[0], r.sums()[1], r.sums()[2]);
    } finally {
      p.destroy(false);
      s.destroy(false);
    }
  }

  /** The task: K local steps on a lent worker. */
  private static final class Local implements Function2<Integer, Iterator<List<Sequences>>,
      Iterator<Tuple2<Integer, Tuple2<Integer, Object>>>>, Serializable {
    private static final long serialVersionUID = 1L;
    private final ModelConfig model;
    private final String key;
    private final int microBatch;
    private final String engine;
    private final AdamWConfig adam;
    private final double clipNorm;
    private final Broadcast<float[][]> params;
    private final Broadcast<float[][][]> moments;
    private final long optimizerSteps;
    private final double[] lrs;

    Local(ModelConfig model, String key, int microBatch, String engine, AdamWConfig adam, double clipNorm,
        Broadcast<float[][]> params, Broadcast<float[][][]> moments, long optimizerSteps, double[] lrs) {
      this.model = model;
      this.key = key;
      this.microBatch = microBatch;
      this.engine = engine;
      this.adam = adam;
      this.clipNorm = clipNorm;
      this.params = params;
      this.moments = moments;
      this.optimizerSteps = optimizerSteps;
      this.lrs = lrs;
    }

    @Override
    public Iterator<Tuple2<Integer, Tuple2<Integer, Object>>> call(Integer part, Iterator<List<Sequences>> in) {
      List<Tuple2<Integer, Tuple2<Integer, Object>>> out = new ArrayList<>();
      while (in.hasNext()) {
        List<Sequences> steps = in.next();
        Outcome o = Workers.with(key, model, engine, w -> localSteps(w, steps));
        Outcome stats = new Outcome(null, null, null, o.lossSum(), o.scored(), o.normSum(), 1, o.computeNanos());
        out.addAll(ChunkedSum.records(part, stats, o.params().length, o.params(), o.m(), o.v()));
      }
      return out.iterator();
    }

    private Outcome localSteps(ModelWorker w, List<Sequences> steps) {
      long t0 = System.nanoTime();
      AdamW.State start = new AdamW.State(ChunkedSum.join(moments.value()[0]), ChunkedSum.join(moments.value()[1]),
          optimizerSteps);
      int k = steps.size();
      Outcome o = new Outcome(null, null, null, new double[k], new long[k], new double[k], 1, 0);
      Optional<EngineOptimizer> onEngine = w.engineOptimizer(adam);
      Ended end = onEngine.isPresent() ? onEngine(w, onEngine.get(), start, steps, o) : onHost(w, start, steps, o);
      return new Outcome(end.params(), end.state().m(), end.state().v(), o.lossSum(), o.scored(), o.normSum(), 1,
          System.nanoTime() - t0);
    }

    /** Where the local steps ended: the parameters and the optimiser's state. */
    private record Ended(float[] params, AdamW.State state) {}

    /** The local steps with AdamW on the JVM: per step the parameters go in and the gradient comes out. */
    private Ended onHost(ModelWorker w, AdamW.State start, List<Sequences> steps, Outcome stats) {
      float[] p = ChunkedSum.join(params.value());
      AdamW opt = AdamW.forLayout(adam, LactModelLayout.of(model));
      opt.restore(start);
      for (int i = 0; i < steps.size(); i++) {
        w.setParams(-LOCAL_VERSIONS.incrementAndGet(), p);
        Gradients g = w.gradients(steps.get(i), microBatch);
        stats.lossSum()[i] = g.lossSum();
        stats.scored()[i] = g.scored();
        if (g.grad() == null || !Double.isFinite(g.lossSum())) {
          stats.normSum()[i] = Double.NaN;
          continue;
        }
        float[] grad = g.grad();
        double norm = UpdateStep.scale(grad, 1.0 / g.scored());
        stats.normSum()[i] = norm;
        if (clipNorm > 0 && norm > clipNorm) {
          UpdateStep.scale(grad, clipNorm / norm);
        }
        opt.step(p, grad, lrs[i]);
      }
      return new Ended(p, opt.state());
    }

    /**
     * The local steps with the engine's own optimiser (the cuda engine's device AdamW): parameters
     * and moments stay in the engine from the round's start to its end, when they cross once.
     */
    private Ended onEngine(ModelWorker w, EngineOptimizer o, AdamW.State start, List<Sequences> steps, Outcome stats) {
      w.setParams(-LOCAL_VERSIONS.incrementAndGet(), params.value());
      o.restore(start);
      for (int i = 0; i < steps.size(); i++) {
        TrainSteps.Local r = w.localStep(steps.get(i), microBatch, o, lrs[i], clipNorm, -LOCAL_VERSIONS.incrementAndGet());
        stats.lossSum()[i] = r.loss();
        stats.scored()[i] = r.scored();
        stats.normSum()[i] = r.gradNorm();
      }
      return new Ended(w.params(), o.state());
    }
  }
}
