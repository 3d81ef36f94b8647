package org.lactspark.kernel.cuda;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.Random;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.cli.TrainStepBenchmark;
import org.lactspark.kernel.model.LossTargets;
import org.lactspark.kernel.model.ModelEngine.LossSum;
import org.lactspark.kernel.model.ModelFlops;
import org.lactspark.kernel.model.TokenBatch;
import org.lactspark.kernel.optim.AdamWConfig;

/**
 * {@code bench train-step --backend cuda}: the whole step on the GPU (forward, backward, gradient
 * clipping and AdamW, all on the device, as the executor runs it) of a {@link CudaModel}; wall
 * time per step with the device synchronised at its end, the forward alone, model-FLOPs
 * utilisation against {@value #PEAK_PROPERTY} (default: the H100's measured 764 TFLOP/s bf16
 * ceiling) and the peak of the library's device allocations.
 */
public final class CudaTrainStepBenchmark implements TrainStepBenchmark {
  /** System property: the peak TFLOP/s that MFU divides by. */
  public static final String PEAK_PROPERTY = "lact.bench.peakTflops";

  /** The H100 SXM's bf16 dense ceiling measured with cuBLAS (the reference figure). */
  static final double H100_BF16_TFLOPS = 764.0;

  @Override
  public String backend() {
    return CudaBackend.NAME;
  }

  @Override
  public Optional<String> unavailableReason() {
    return NativeLibrary.get().failure();
  }

  @Override
  public LinkedHashMap<String, Object> run(ModelConfig c, TrainStepOptions o) {
    DType dtype = DType.parse(o.dtype());
    double peakTflops = Double.parseDouble(System.getProperty(PEAK_PROPERTY, Double.toString(H100_BF16_TFLOPS)));
    TokenBatch batch = tokens(c.vocabSize(), o);
    int[] targets = LossTargets.of(batch, c.documentRestart(), c.vocabSize());
    double[] step = new double[o.runs()];
    double[] forward = new double[o.runs()];
    double[] losses = new double[o.warmup() + o.runs()];
    long peak;
    try (CudaModel m = CudaModel.open(c, dtype)) {
      m.initialise(0L);
      for (int i = 0; i < o.warmup() + o.runs(); i++) {
        if (i == o.warmup()) {
          m.memory();  // restarts the peak: the timed steps' own
        }
        long t = System.nanoTime();
        LossSum s = m.step(batch, targets, true, null);
        m.optimizerStep(AdamWConfig.DEFAULT, 1e-3, 1.0, s.scored() == 0 ? 0.0 : 1.0 / s.scored());
        long e = System.nanoTime();
        losses[i] = s.mean();
        if (i >= o.warmup()) {
          step[i - o.warmup()] = (e - t) / 1e6;
        }
      }
      peak = m.memory()[0];
      for (int i = 0; i < o.runs(); i++) {
        long t = System.nanoTime();
        m.step(batch, targets, false, null);
        forward[i] = (System.nanoTime() - t) / 1e6;
      }
    }
    double stepMs = median(step);
    double flops = ModelFlops.step(c, o.batch(), o.length());
    double tflops = flops / (stepMs / 1e3) / 1e12;
    LinkedHashMap<String, Object> f = new LinkedHashMap<>();
    f.put("device", NativeLibrary.get().deviceLine());
    f.put("step_ms", round(stepMs, 1));
    f.put("forward_ms", round(median(forward), 1));
    f.put("tokens_per_s", Math.round((double) o.batch() * o.length() / (stepMs / 1e3)));
    f.put("model_tflops_per_s", round(tflops, 1));
    f.put("mfu", round(tflops / peakTflops, 4));
    f.put("mfu_peak_tflops", peakTflops);
    f.put("loss_first", round(losses[0], 4));
    f.put("loss_last", round(losses[losses.length - 1], 4));
    f.put("peak_memory_bytes", peak);
    return f;
  }

  private static TokenBatch tokens(int vocab, TrainStepOptions o) {
    Random r = new Random(o.seed());
    int[] ids = new int[o.batch() * o.length()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = r.nextInt(vocab);
    }
    return TokenBatch.of(o.batch(), o.length(), ids);
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int h = s.length / 2;
    return s.length % 2 == 1 ? s[h] : 0.5 * (s[h - 1] + s[h]);
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}
