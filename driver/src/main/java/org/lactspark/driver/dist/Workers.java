package org.lactspark.driver.dist;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.lactspark.conf.ModelConfig;

/**
 * The executor-resident models: one JVM keeps the models it built, keyed by model, engine and
 * device, and lends each to one task at a time (tasks of the same executor run side by side, and a
 * model is not thread-safe). A model is built only when every one of that key is lent out.
 */
public final class Workers {
  private static final Map<String, Deque<ModelWorker>> IDLE = new HashMap<>();

  private Workers() {}

  /**
   * Runs {@code work} with a resident model of {@code model} whose training steps run on
   * {@code engine} ({@code auto}, {@code nd4j}, {@code cuda}: the train key), on the GPU Spark
   * assigned the current task if any ({@link GpuBinding}: models are kept per device), building
   * one if none of {@code key} is free there.
   *
   * @param key identifies the model among the executor's resident ones (run and configuration)
   */
  public static <T> T with(String key, ModelConfig model, String engine, Function<ModelWorker, T> work) {
    int device = GpuBinding.bindCurrentTask();
    String k = key + "/" + engine + (device >= 0 ? "@gpu" + device : "");
    ModelWorker w = borrow(k);
    if (w == null) {
      w = new ModelWorker(model, engine, device);
    }
    try {
      return work.apply(w);
    } finally {
      release(k, w);
    }
  }

  /**
   * As {@link #with(String, ModelConfig, String, Function)} with the engine chosen by {@code
   * auto}; for evaluation, which scores on the DL4J graph and opens no engine.
   */
  public static <T> T with(String key, ModelConfig model, Function<ModelWorker, T> work) {
    return with(key, model, "auto", work);
  }

  private static synchronized ModelWorker borrow(String key) {
    Deque<ModelWorker> idle = IDLE.get(key);
    return idle == null ? null : idle.poll();
  }

  private static synchronized void release(String key, ModelWorker w) {
    IDLE.computeIfAbsent(key, k -> new ArrayDeque<>()).push(w);
  }
}
