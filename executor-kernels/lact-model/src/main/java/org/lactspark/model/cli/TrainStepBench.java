package org.lactspark.model.cli;

import java.io.IOException;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.cli.LactOpBench;
import org.lactspark.kernel.cli.ModelChoice;
import org.lactspark.kernel.cli.MemorySampler;
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
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench train-step}: one training step of a preset (forward, backward, AdamW update over
 * the flat parameter vector, the same step the train job runs) on seeded random tokens; warm-up,
 * then the median of several steps. Reports the step time, the part spent in the LaCT op, and
 * GFLOP/s of the op and of the rest of the model against a measured GEMM peak.
 */
@Command(
    name = "train-step",
    mixinStandardHelpOptions = true,
    description = "Benchmark one training step of a model preset; prints one JSON line.")
public final class TrainStepBench implements Callable<Integer> {
  @CommandLine.Mixin ModelChoice model;

  @Option(names = "--dtype", defaultValue = "float32", paramLabel = "DTYPE",
      description = "Parameter and activation type; float32 only (the optimiser step is float32): ${DEFAULT-VALUE}.")
  String dtype;

  @Option(names = "--length", defaultValue = "512", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
  int length;

  @Option(names = "--batch", defaultValue = "1", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--warmup", defaultValue = "2", description = "Untimed steps (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = {"--runs", "--steps"}, defaultValue = "5", description = "Timed steps (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--backend", defaultValue = "nd4j", description = "Kernel backend (default: ${DEFAULT-VALUE}).")
  String backend;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (length < 2 || batch < 1 || runs < 1 || warmup < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--length must be >= 2, --batch and --runs >= 1, --warmup >= 0");
    }
    if (!dtype.equals("float32")) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--dtype: only float32 is benchmarked, got " + dtype);
    }
    ModelConfig c = config();
    AtomicLong opNanos = new AtomicLong();
    AtomicLong opFlops = new AtomicLong();
    Kernels.decorate(k -> new TimedKernel(k, opNanos, opFlops));
    ComputationGraph g = LactModels.build(c, LactModels.Options.defaults());
    ModelParams.requireLayout(g, c);
    AdamW opt = AdamW.forLayout(AdamWConfig.DEFAULT, LactModelLayout.of(c));
    INDArray ids = tokens(c.vocabSize());
    KernelBackend b = KernelBackends.select(backend);
    double[] step = new double[runs];
    double[] op = new double[runs];
    double[] losses = new double[warmup + runs];
    long base = b.memoryInUseBytes();
    long peak;
    try (MemorySampler mem = new MemorySampler(b::memoryInUseBytes, 500)) {
      for (int i = 0; i < warmup + runs; i++) {
        opNanos.set(0);
        opFlops.set(0);
        long t = System.nanoTime();
        losses[i] = step(g, opt, ids);
        if (i >= warmup) {
          step[i - warmup] = (System.nanoTime() - t) / 1e6;
          op[i - warmup] = opNanos.get() / 1e6;
        }
      }
      peak = mem.max() - base;
    }
    Kernels.decorate(k -> k);
    double[] forwards = forwards(g, ids);
    report(c, LactOpBench.median(step), LactOpBench.median(op), opFlops.get(), losses, peak, forwards);
    return 0;
  }

  /** The model config: a preset, or a project or official config file. */
  private ModelConfig config() throws IOException {
    return model.config(spec.commandLine());
  }

  private String label() {
    return model.label();
  }

  private INDArray tokens(int vocab) {
    Random r = new Random(1234);
    double[] v = new double[batch * length];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextInt(vocab);
    }
    return Nd4j.create(v, new long[] {batch, length}, DataType.DOUBLE).castTo(DataType.FLOAT);
  }

  /**
   * Median times in ms of the forward alone, {@code runs} times each: in training mode (what a
   * training step runs before its backward; it keeps the activations the backward needs) and in
   * inference mode (what {@code bin/lact eval} runs), so the two can be compared per token.
   */
  private double[] forwards(ComputationGraph g, INDArray ids) {
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

  private void report(ModelConfig c, double stepMs, double opMs, long opFlops, double[] losses, long peak,
      double[] forwardMs) {
    long tokens = (long) batch * length;
    double restFlops = restFlops(c, tokens);
    double gemmPeak = gemmPeakGflops();
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT,
        "{\"bench\":\"train-step\",\"preset\":\"%s\",\"batch\":%d,\"length\":%d,\"params\":%d,"
            + "\"step_ms\":%.1f,\"op_ms\":%.1f,\"rest_ms\":%.1f,\"tokens_per_s\":%.0f,"
            + "\"op_gflops\":%.2f,\"rest_gflops\":%.2f,\"gemm_peak_gflops\":%.2f,"
            + "\"loss_first\":%.4f,\"loss_last\":%.4f,\"peak_memory_bytes\":%d,"
            + "\"forward_train_ms\":%.1f,\"forward_eval_ms\":%.1f}%n",
        label(), batch, length, LactModelLayout.of(c).size(), stepMs, opMs, stepMs - opMs,
        tokens / (stepMs / 1e3), opFlops / (opMs * 1e6), restFlops / ((stepMs - opMs) * 1e6), gemmPeak,
        losses[0], losses[losses.length - 1], peak, forwardMs[0], forwardMs[1]);
    out.flush();
  }

  /**
   * Matrix-product FLOPs of the step outside the op: every linear map (2 per weight per token
   * forward, 3x for forward and backward) and the attention's two products over the keys each
   * query sees.
   */
  private double restFlops(ModelConfig c, long tokens) {
    long d = c.hiddenSize();
    long h = c.numLactHeads();
    long perLayer = 4 * d * d + 3 * h * d + d * 2L * c.mlpWidth() + d * c.mlpWidth()
        + (c.useMomentum() ? h * d : 0) + (c.learnableTttScale() ? h * d : 0);
    double linear = 2.0 * (perLayer * c.numLayers() + (long) c.vocabSize() * d) * tokens;
    double keys = Math.min(c.windowSize(), (length + 1) / 2.0);
    double attention = 4.0 * keys * d * tokens * c.numLayers();
    return 3.0 * (linear + attention);
  }

  /** float32 GEMM throughput of ND4J here: the best of a few 1024 x 1024 products (also the train job's MFU peak). */
  public static double gemmPeakGflops() {
    INDArray a = Nd4j.rand(DataType.FLOAT, 1024, 1024);
    INDArray b = Nd4j.rand(DataType.FLOAT, 1024, 1024);
    INDArray out = Nd4j.createUninitialized(DataType.FLOAT, 1024, 1024);
    double best = Double.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      long t = System.nanoTime();
      a.mmuli(b, out);
      best = Math.min(best, (System.nanoTime() - t) / 1e9);
    }
    return 2.0 * 1024 * 1024 * 1024 / best / 1e9;
  }
}
