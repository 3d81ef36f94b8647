package org.lactspark.kernel.cuda;

import java.util.Objects;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.model.ModelEngine.LossSum;
import org.lactspark.kernel.model.TokenBatch;
import org.lactspark.kernel.optim.AdamW;
import org.lactspark.kernel.optim.AdamWConfig;
import org.lactspark.kernel.params.LactModelLayout;
import org.lactspark.kernel.params.ParamLayout;
import org.lactspark.kernel.params.ParamSpec;
import org.lactspark.kernel.spi.BackendUnavailableException;

/**
 * The whole LaCT language model on the GPU ({@code model.cu}): parameters and their gradient sum
 * live on the device in the flat layout of {@link org.lactspark.kernel.params.LactModelLayout};
 * a step runs the forward and the hand-written backward there, and only the loss (and, when asked,
 * the logits) comes back. Close it to free its device memory. Not thread-safe.
 */
public final class CudaModel implements AutoCloseable {
  private final ModelConfig config;
  private final DType dtype;
  private final long size;
  private final NativeHandle handle;

  private CudaModel(ModelConfig config, DType dtype, long size, long handle) {
    this.config = config;
    this.dtype = dtype;
    this.size = size;
    this.handle = new NativeHandle("model", handle, NativeLact::modelFree, "the CUDA model was closed");
  }

  /**
   * A model of {@code config} in {@code dtype} with zero parameters (install them with {@link
   * #setParams}). bfloat16 runs products in bf16 with float32 storage and accumulation; its op's
   * update path follows {@code lact.cuda.update}.
   *
   * @throws BackendUnavailableException if the library or the GPU cannot be used, saying why
   */
  public static CudaModel open(ModelConfig config, DType dtype) {
    Objects.requireNonNull(config, "config");
    NativeLibrary lib = NativeLibrary.get();
    lib.failure().ifPresent(why -> {
      throw new BackendUnavailableException("the CUDA model cannot run here: " + why);
    });
    int update = dtype == DType.BFLOAT16 ? UpdatePath.fromSystemProperty().code() : NativeLact.UPDATE_BF16;
    long[] layout = CudaModelSpec.layout(config);
    long h = NativeLact.modelOpen(NativeArgs.precision(dtype), update, CudaModelSpec.ints(config),
        CudaModelSpec.doubles(config), CudaModelSpec.ns(), layout);
    CudaModel m = new CudaModel(config, dtype, layout[3], h);
    m.handle.accept(x -> NativeLact.modelDecayRanges(x, decayRanges(LactModelLayout.of(config))));
    return m;
  }

  /** The matrices' element ranges (rank >= 2), where AdamW decays weights ({@link AdamW#forLayout}). */
  static long[] decayRanges(ParamLayout layout) {
    java.util.List<Long> r = new java.util.ArrayList<>();
    for (ParamSpec s : layout.specs()) {
      if (s.shape().length >= 2) {
        r.add(layout.offset(s.name()));
        r.add(layout.offset(s.name()) + s.size());
      }
    }
    return r.stream().mapToLong(Long::longValue).toArray();
  }

  /** The model. */
  public ModelConfig config() {
    return config;
  }

  /** The precision. */
  public DType dtype() {
    return dtype;
  }

  /** The flat parameter vector's length. */
  public long size() {
    return size;
  }

  /**
   * Installs parameters given as consecutive chunks that together hold {@link #size()} values.
   *
   * @throws IllegalArgumentException if they do not
   */
  public void setParams(float[][] chunks) {
    long total = 0;
    for (float[] c : chunks) {
      total += c.length;
    }
    if (total != size) {
      throw new IllegalArgumentException("parameters: " + total + " values, the model has " + size);
    }
    handle.accept(h -> {
      long at = 0;
      for (float[] c : chunks) {
        NativeLact.modelSetParams(h, at, c);
        at += c.length;
      }
    });
  }

  /**
   * Installs the layout's seeded initial parameters ({@link ParamLayout#initialValues}, the values
   * every backend starts from), tensor by tensor, so models past 2^31 parameters need no single array.
   */
  public void initialise(long seed) {
    ParamLayout layout = LactModelLayout.of(config);
    handle.accept(h -> {
      for (ParamSpec s : layout.specs()) {
        double[] v = ParamLayout.initialValues(s, seed);
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
          f[i] = (float) v[i];
        }
        NativeLact.modelSetParams(h, layout.offset(s.name()), f);
      }
    });
  }

  /** Installs float64 parameters (conformance). */
  public void setParams(double[] flat) {
    if (flat.length != size) {
      throw new IllegalArgumentException("parameters: " + flat.length + " values, the model has " + size);
    }
    handle.accept(h -> NativeLact.modelSetParams64(h, 0, flat));
  }

  /** The installed parameters. */
  public float[] params() {
    float[] out = new float[Math.toIntExact(size)];
    handle.accept(h -> NativeLact.modelParams(h, out));
    return out;
  }

  /**
   * Forward (and with {@code grads} the backward, adding the gradient of the summed token loss to
   * the model's gradient sum) over {@code batch} scored against {@code targets} ({@code
   * LossTargets}: -1 where not scored).
   *
   * @param logits {@code [batch * length, vocab]} to fill, or null
   * @return the summed loss and the scored count
   */
  public LossSum step(TokenBatch batch, int[] targets, boolean grads, double[] logits) {
    double[] r = handle.apply(h -> NativeLact.modelStep(h, batch.batch(), batch.length(), batch.ids(),
        batch.documents(), targets, grads, logits));
    return new LossSum(r[0], (long) r[1]);
  }

  /** The gradient sum since the last take, then zeroed. */
  public float[] takeGradient() {
    float[] out = new float[Math.toIntExact(size)];
    handle.accept(h -> NativeLact.modelTakeGradient(h, out));
    return out;
  }

  /** The gradient sum in float64 (conformance), then zeroed. */
  public double[] takeGradient64() {
    double[] out = new double[Math.toIntExact(size)];
    handle.accept(h -> NativeLact.modelTakeGradient64(h, out));
    return out;
  }

  /**
   * The result of one optimiser step on the device.
   *
   * @param gradNorm the global norm of the scaled gradient before clipping
   * @param applied false when the step would have made a parameter non-finite (nothing changed)
   */
  public record StepResult(double gradNorm, boolean applied) {}

  /**
   * One AdamW step on the device, on the gradient sum times {@code gradScale} (1 / scored positions
   * gives the mean loss's gradient) clipped to {@code clipNorm} (0: never), the arithmetic of
   * {@link AdamW}; the gradient sum is then zero. Moments live on the device.
   */
  public StepResult optimizerStep(AdamWConfig c, double lr, double clipNorm, double gradScale) {
    double[] r = handle.apply(h -> NativeLact.modelOptimizerStep(h,
        new double[] {lr, c.beta1(), c.beta2(), c.eps(), c.weightDecay(), clipNorm, gradScale}));
    return new StepResult(r[0], r[1] != 0);
  }

  /** Installs AdamW's moments and step count for {@link #optimizerStep} (a restored or averaged state). */
  public void setOptimizerState(AdamW.State state) {
    Objects.requireNonNull(state, "state");
    if (state.m().length != size || state.v().length != size) {
      throw new IllegalArgumentException("optimizer state: moments of " + state.m().length + " and " + state.v().length
          + " values, the model has " + size);
    }
    handle.accept(h -> NativeLact.modelSetMoments(h, 0, state.m(), state.v(), state.steps()));
  }

  /** AdamW's moments and step count as {@link #optimizerStep} left them (zeros before any step). */
  public AdamW.State optimizerState() {
    float[] m = new float[Math.toIntExact(size)];
    float[] v = new float[Math.toIntExact(size)];
    long steps = handle.apply(h -> NativeLact.modelMoments(h, m, v));
    return new AdamW.State(m, v, steps);
  }

  /** {@code {peak device bytes of the library's allocations since the last call, bytes held now}}. */
  public long[] memory() {
    double[] m = handle.apply(NativeLact::modelMemory);
    return new long[] {(long) m[0], (long) m[1]};
  }

  /** Frees the device memory; idempotent. */
  @Override
  public void close() {
    handle.close();
  }
}
