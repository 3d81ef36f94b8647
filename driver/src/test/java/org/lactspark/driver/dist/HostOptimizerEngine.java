package org.lactspark.driver.dist;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.model.EngineOptimizer;
import org.lactspark.kernel.model.ModelEngine;
import org.lactspark.kernel.model.ModelEngineProvider;
import org.lactspark.kernel.model.ModelEngines;
import org.lactspark.kernel.model.TokenBatch;
import org.lactspark.kernel.optim.AdamW;
import org.lactspark.kernel.optim.AdamWConfig;
import org.lactspark.kernel.optim.UpdateStep;
import org.lactspark.kernel.params.LactModelLayout;

/**
 * An engine with its own optimiser, registered for the driver's tests (test resources'
 * META-INF/services) under the name {@code host-optimizer}: the nd4j engine plus an {@link
 * EngineOptimizer} that runs the host AdamW with the driver's arithmetic on the engine's gradient
 * sum and keeps the parameters in the engine. It stands for the cuda engine's device AdamW, so the
 * K-step averaging path that keeps parameters in the engine is tested on any machine.
 */
public final class HostOptimizerEngine implements ModelEngineProvider {
  /** The engine's name. */
  public static final String NAME = "host-optimizer";

  /** Steps its optimisers took in this JVM (local Spark runs its tasks here): the tests' witness. */
  public static final AtomicInteger STEPS = new AtomicInteger();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return Integer.MIN_VALUE;  // never chosen by auto
  }

  @Override
  public Optional<String> unavailableReason(ModelConfig config, int device) {
    return Optional.empty();
  }

  @Override
  public ModelEngine open(ModelConfig config, int device) {
    return new Engine(ModelEngines.select("nd4j", config, device).open(config, device));
  }

  private static final class Engine implements ModelEngine {
    private final ModelEngine inner;

    Engine(ModelEngine inner) {
      this.inner = inner;
    }

    @Override
    public String backend() {
      return NAME;
    }

    @Override
    public String device() {
      return inner.device();
    }

    @Override
    public ModelConfig config() {
      return inner.config();
    }

    @Override
    public long size() {
      return inner.size();
    }

    @Override
    public void setParams(float[][] chunks) {
      inner.setParams(chunks);
    }

    @Override
    public float[] params() {
      return inner.params();
    }

    @Override
    public LossSum accumulate(TokenBatch batch) {
      return inner.accumulate(batch);
    }

    @Override
    public LossSum loss(TokenBatch batch) {
      return inner.loss(batch);
    }

    @Override
    public float[] takeGradientSum() {
      return inner.takeGradientSum();
    }

    @Override
    public Optional<EngineOptimizer> optimizer(AdamWConfig config) {
      AdamW adam = AdamW.forLayout(config, LactModelLayout.of(inner.config()));
      return Optional.of(new EngineOptimizer() {
        @Override
        public void restore(AdamW.State state) {
          adam.restore(state);
        }

        @Override
        public double step(double lr, double clipNorm, double gradScale) {
          float[] p = inner.params();
          float[] g = inner.takeGradientSum();
          double norm = UpdateStep.scale(g, gradScale);
          if (clipNorm > 0 && norm > clipNorm) {
            UpdateStep.scale(g, clipNorm / norm);
          }
          adam.step(p, g, lr);
          inner.setParams(new float[][] {p});
          STEPS.incrementAndGet();
          return norm;
        }

        @Override
        public AdamW.State state() {
          return adam.state();
        }
      });
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
