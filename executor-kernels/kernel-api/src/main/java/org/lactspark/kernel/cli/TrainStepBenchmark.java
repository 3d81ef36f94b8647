package org.lactspark.kernel.cli;

import java.util.LinkedHashMap;
import java.util.Optional;
import org.lactspark.conf.ModelConfig;

/**
 * How one backend benchmarks a training step for {@code bench train-step --backend NAME}: the ND4J
 * model (lact-model) and the native CUDA model (kernel-cuda) each register one with {@link
 * java.util.ServiceLoader}, so the command is the same wherever it runs, also on a GPU host that
 * carries only the kernel jars.
 */
public interface TrainStepBenchmark {
  /** The backend it measures ({@code nd4j}, {@code cuda}). */
  String backend();

  /** Why it cannot run here, or empty. */
  Optional<String> unavailableReason();

  /**
   * Runs {@code o.warmup()} untimed and {@code o.runs()} timed steps of {@code config} (forward,
   * backward and the AdamW update the training job runs) on seeded random tokens.
   *
   * @return the fields of the benchmark's JSON line after the common ones, in order (numbers or
   *     strings); at least {@code step_ms}, {@code tokens_per_s}, {@code loss_first}, {@code
   *     loss_last} and {@code peak_memory_bytes}
   */
  LinkedHashMap<String, Object> run(ModelConfig config, TrainStepOptions o);

  /**
   * What a run measures.
   *
   * @param batch sequences per step
   * @param length tokens per sequence
   * @param warmup untimed steps
   * @param runs timed steps
   * @param dtype the precision name ({@code float32}, {@code bfloat16}, ...)
   * @param seed the token seed
   */
  record TrainStepOptions(int batch, int length, int warmup, int runs, String dtype, long seed) {}
}
