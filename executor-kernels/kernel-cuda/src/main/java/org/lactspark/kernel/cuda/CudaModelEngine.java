package org.lactspark.kernel.cuda;

import java.util.Optional;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.NonFiniteException;
import org.lactspark.kernel.model.EngineOptimizer;
import org.lactspark.kernel.model.LossTargets;
import org.lactspark.kernel.model.ModelEngine;
import org.lactspark.kernel.model.TokenBatch;
import org.lactspark.kernel.optim.AdamW;
import org.lactspark.kernel.optim.AdamWConfig;

/**
 * The {@code cuda} model engine: a {@link CudaModel} whose parameters and gradient sum stay on the
 * GPU between steps; per step only the parameters come in (when they changed) and, when asked,
 * the gradient sum goes out.
 */
public final class CudaModelEngine implements ModelEngine {
  private final CudaModel model;
  private final String device;

  /** An engine of {@code config} in {@code dtype}, initialised with the layout's seed-0 parameters. */
  public CudaModelEngine(ModelConfig config, DType dtype) {
    this.model = CudaModel.open(config, dtype);
    this.device = "GPU " + NativeLibrary.get().device() + ": " + NativeLibrary.get().deviceLine() + " (" + dtype + ")";
    model.initialise(0L);
  }

  @Override
  public String backend() {
    return CudaBackend.NAME;
  }

  @Override
  public String device() {
    return device;
  }

  @Override
  public ModelConfig config() {
    return model.config();
  }

  @Override
  public long size() {
    return model.size();
  }

  @Override
  public void setParams(float[][] chunks) {
    model.setParams(chunks);
  }

  @Override
  public float[] params() {
    return model.params();
  }

  @Override
  public LossSum accumulate(TokenBatch batch) {
    return run(batch, true);
  }

  @Override
  public LossSum loss(TokenBatch batch) {
    return run(batch, false);
  }

  private LossSum run(TokenBatch batch, boolean grads) {
    ModelConfig c = model.config();
    batch.requireIds(c.vocabSize());
    int[] targets = LossTargets.of(batch, c.documentRestart(), c.vocabSize());
    LossSum s = model.step(batch, targets, grads, null);
    if (!Double.isFinite(s.sum())) {
      throw new NonFiniteException("the CUDA model's loss is " + s.sum() + " over " + s.scored() + " positions");
    }
    return s;
  }

  @Override
  public float[] takeGradientSum() {
    return model.takeGradient();
  }

  /** The device AdamW ({@link CudaModel#optimizerStep}): moments stay on the GPU between steps. */
  @Override
  public Optional<EngineOptimizer> optimizer(AdamWConfig config) {
    return Optional.of(new EngineOptimizer() {
      @Override
      public void restore(AdamW.State state) {
        model.setOptimizerState(state);
      }

      @Override
      public double step(double lr, double clipNorm, double gradScale) {
        CudaModel.StepResult r = model.optimizerStep(config, lr, clipNorm, gradScale);
        if (!r.applied()) {
          model.takeGradient();  // a refused step leaves the sum: dropped, so the next step starts from zero
          return Double.NaN;
        }
        return r.gradNorm();
      }

      @Override
      public AdamW.State state() {
        return model.optimizerState();
      }
    });
  }

  @Override
  public void close() {
    model.close();
  }
}
