package org.lactspark.model.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.cli.LactOpBench;
import org.lactspark.kernel.cli.MemorySampler;
import org.lactspark.kernel.cli.TrainStepBenchmark;
import org.lactspark.kernel.nd4j.Nd4jBackend;
import org.lactspark.kernel.optim.AdamW;
import org.lactspark.kernel.optim.AdamWConfig;
import org.lactspark.kernel.params.LactModelLayout;
import org.lactspark.kernel.spi.KernelBackend;
import org.lactspark.kernel.spi.KernelBackends;
import org.lactspark.model.graph.LactModels;
import org.lactspark.model.graph.ModelParams;
import org.lactspark.model.layer.Kernels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code bench train-step --backend nd4j}: one training step of the DL4J model (forward, backward,
 * the project's AdamW update over the flat parameter vector: the step the train job runs) on the
 * ND4J kernel, float32. Warm-up, then the median of the timed steps; the time spent in the LaCT op
 * is taken apart from the rest, and each gets its GFLOP/s, against a measured GEMM peak ({@link
 * GemmPeak}). Memory is the rise of the nd4j kernel backend's gauge over its level before the
 * first step. Then the forward alone, in training and in inference mode.
 *
 * <p>Fields, in order: {@code step_ms}, {@code op_ms}, {@code rest_ms}, {@code tokens_per_s},
 * {@code op_gflops}, {@code rest_gflops}, {@code gemm_peak_gflops}, {@code loss_first}, {@code
 * loss_last}, {@code peak_memory_bytes}, {@code forward_train_ms}, {@code forward_eval_ms}.
 */
public final class Nd4jTrainStepBenchmark implements TrainStepBenchmark {
  /** For ServiceLoader; does not start ND4J. */
  public Nd4jTrainStepBenchmark() {}

  @Override
  public String backend() {
    return Nd4jBackend.NAME;
  }

  @Override
  public Optional<String> unavailableReason() {
    return new Nd4jBackend().unavailableReason();
  }

  /**
   * @throws IllegalArgumentException for a precision other than float32 (the optimiser step and
   *     the parameter vector it updates are float32)
   */
  @Override
  public LinkedHashMap<String, Object> run(ModelConfig c, TrainStepOptions o) {
    if (!o.dtype().equals("float32")) {
      throw new IllegalArgumentException("--dtype " + o.dtype()
          + ": the nd4j train-step benchmark runs float32 only (its optimiser step is float32)");
    }
    AtomicLong opNanos = new AtomicLong();
    AtomicLong opFlops = new AtomicLong();
    // every layer built from here on gets its op kernel through the timer
    Kernels.decorate(k -> new TimedKernel(k, opNanos, opFlops));
    try {
      ComputationGraph g = LactModels.build(c, LactModels.Options.defaults());
      ModelParams.requireLayout(g, c);
      AdamW opt = AdamW.forLayout(AdamWConfig.DEFAULT, LactModelLayout.of(c));
      INDArray ids = tokens(c.vocabSize(), o);
      KernelBackend b = KernelBackends.select(Nd4jBackend.NAME);
      double[] step = new double[o.runs()];
      double[] op = new double[o.runs()];
      double[] losses = new double[o.warmup() + o.runs()];
      long base = b.memoryInUseBytes();
      long peak;
      try (MemorySampler mem = new MemorySampler(b::memoryInUseBytes, 500)) {
        for (int i = 0; i < o.warmup() + o.runs(); i++) {
          opNanos.set(0);
          opFlops.set(0);
          long t = System.nanoTime();
          losses[i] = step(g, opt, ids);
          if (i >= o.warmup()) {
            step[i - o.warmup()] = (System.nanoTime() - t) / 1e6;
            op[i - o.warmup()] = opNanos.get() / 1e6;
          }
        }
        peak = mem.max() - base;
      }
      Kernels.decorate(k -> k); // the forwards alone are timed whole
      double[] forwards = forwards(g, ids, o.runs());
      return fields(c, o, LactOpBench.median(step), LactOpBench.median(op), opFlops.get(), losses, peak, forwards);
    } finally {
      Kernels.decorate(k -> k);
    }
  }

  private static INDArray tokens(int vocab, TrainStepOptions o) {
    Random r = new Random(o.seed());
    double[] v = new double[o.batch() * o.length()];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextInt(vocab);
    }
    return Nd4j.create(v, new long[] {o.batch(), o.length()}, DataType.DOUBLE).castTo(DataType.FLOAT);
  }

  /**
   * Median times in ms of the forward alone, {@code runs} times each: in training mode (what a
   * training step runs before its backward; it keeps the activations the backward needs) and in
   * inference mode (what {@code bin/lact eval} runs), so the two can be compared per token.
   */
  private static double[] forwards(ComputationGraph g, INDArray ids, int runs) {
    double[] train = new double[runs];
    double[] infer = new double[runs];
    INDArray mask = Nd4j.ones(ids.dataType(), ids.shape());
    for (int i = 0; i < runs; i++) {
      long t = System.nanoTime();
      g.feedForward(ids, true);
      train[i] = (System.nanoTime() - t) / 1e6;
      t = System.nanoTime();
      INDArray out = g.output(false, new INDArray[] {ids}, new INDArray[] {mask})[0]; // as evaluation calls it
      g.clearLayerMaskArrays();
      infer[i] = (System.nanoTime() - t) / 1e6;
      out.close();
    }
    g.clear();
    return new double[] {LactOpBench.median(train), LactOpBench.median(infer)};
  }

  /** Forward, backward and the AdamW update; returns the loss. */
  private static double step(ComputationGraph g, AdamW opt, INDArray ids) {
    g.setInputs(ids);
    g.setLabels(ids);
    g.computeGradientAndScore();
    float[] params = g.params().data().asFloat();
    float[] grads = g.gradient().gradient().dup('c').data().asFloat();
    opt.step(params, grads, 1e-3);
    g.params().assign(Nd4j.create(params, g.params().shape(), 'c'));
    return g.score();
  }

  private static LinkedHashMap<String, Object> fields(ModelConfig c, TrainStepOptions o, double stepMs, double opMs,
      long opFlops, double[] losses, long peak, double[] forwardMs) {
    long tokens = (long) o.batch() * o.length();
    double restFlops = restFlops(c, tokens, o.length());
    LinkedHashMap<String, Object> f = new LinkedHashMap<>();
    f.put("step_ms", fixed(stepMs, 1));
    f.put("op_ms", fixed(opMs, 1));
    f.put("rest_ms", fixed(stepMs - opMs, 1));
    f.put("tokens_per_s", fixed(tokens / (stepMs / 1e3), 0));
    f.put("op_gflops", fixed(opFlops / (opMs * 1e6), 2));
    f.put("rest_gflops", fixed(restFlops / ((stepMs - opMs) * 1e6), 2));
    f.put("gemm_peak_gflops", fixed(GemmPeak.gflops(), 2));
    f.put("loss_first", fixed(losses[0], 4));
    f.put("loss_last", fixed(losses[losses.length - 1], 4));
    f.put("peak_memory_bytes", peak);
    f.put("forward_train_ms", fixed(forwardMs[0], 1));
    f.put("forward_eval_ms", fixed(forwardMs[1], 1));
    return f;
  }

  /**
   * {@code x} with {@code places} decimals, as the line has always printed it; a value that is not
   * finite (no op time in a model without TTT) stays a double, which the JSON writer quotes.
   */
  private static Number fixed(double x, int places) {
    return Double.isFinite(x) ? BigDecimal.valueOf(x).setScale(places, RoundingMode.HALF_UP) : x;
  }

  /**
   * Matrix-product FLOPs of the step outside the op: every linear map (2 per weight per token
   * forward, 3x for forward and backward) and the attention's two products over the keys each
   * query sees.
   */
  private static double restFlops(ModelConfig c, long tokens, int length) {
    long d = c.hiddenSize();
    long h = c.numLactHeads();
    long perLayer = 4 * d * d + 3 * h * d + d * 2L * c.mlpWidth() + d * c.mlpWidth()
        + (c.useMomentum() ? h * d : 0) + (c.learnableTttScale() ? h * d : 0);
    double linear = 2.0 * (perLayer * c.numLayers() + (long) c.vocabSize() * d) * tokens;
    double keys = Math.min(c.windowSize(), (length + 1) / 2.0);
    double attention = 4.0 * keys * d * tokens * c.numLayers();
    return 3.0 * (linear + attention);
  }
}
