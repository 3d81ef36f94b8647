package org.lactspark.kernel.model;

import java.util.Optional;
import org.lactspark.conf.ModelConfig;

/**
 * A way to compute LaCT training steps, registered through {@link java.util.ServiceLoader} and
 * chosen by {@link ModelEngines}.
 */
public interface ModelEngineProvider {
  /** The name used to choose it ({@code nd4j}, {@code cuda}). */
  String name();

  /** Higher is preferred when the choice is {@code auto}. */
  int priority();

  /**
   * Why this engine cannot run {@code config} on {@code device} here (no GPU, library absent, an
   * option the engine lacks), or empty if it can.
   *
   * @param device the GPU Spark assigned (its address), or -1 for none
   */
  Optional<String> unavailableReason(ModelConfig config, int device);

  /**
   * A new engine for {@code config} on {@code device} (-1: none) with freshly initialised
   * parameters (replace them with {@link ModelEngine#setParams}).
   */
  ModelEngine open(ModelConfig config, int device);
}
