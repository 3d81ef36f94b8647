package org.lactspark.driver.dist;

import java.util.Optional;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.model.ModelEngine;
import org.lactspark.kernel.model.ModelEngineProvider;

/**
 * A {@code cuda} engine that can never run, registered for the driver's tests (test resources'
 * META-INF/services): it stands for the native engine on a host without its library, whatever this
 * machine has, and with the highest priority it is chosen first by name even beside the real one.
 */
public final class AbsentCudaEngine implements ModelEngineProvider {
  /** Why it cannot run on a GPU. */
  public static final String REASON = "test stand-in for the native engine: liblactcuda.so did not load";

  @Override
  public String name() {
    return "cuda";
  }

  @Override
  public int priority() {
    return Integer.MAX_VALUE;
  }

  @Override
  public Optional<String> unavailableReason(ModelConfig config, int device) {
    return Optional.of(device < 0 ? "no GPU assigned to the task" : REASON);
  }

  @Override
  public ModelEngine open(ModelConfig config, int device) {
    throw new IllegalStateException("the test's absent cuda engine was opened although it reports it cannot run");
  }
}
