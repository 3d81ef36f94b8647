package org.lactspark.driver.dist;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * The executor-resident models: one JVM keeps the models it built, keyed by model, and lends each
 * to one task at a time (tasks of the same executor run side by side, and a graph is not
 * thread-safe). A model is built only when every one of that key is lent out.
 */
public final class Workers {
  private static final Map<String, Deque<ModelWorker>> IDLE = new HashMap<>();

  private Workers() {}

  /**
   * Runs {@code work} with a resident model of {@code model}, on the GPU Spark assigned the current
   * task if any ({@link GpuBinding}: models are kept per device), building one if none of
   * {@code key} is free there.
   *
   * @param key identifies the model among the executor's resident ones (run and configuration)
   */
  public static <T> T with(String key, org.lactspark.conf.ModelConfig model,
      java.util.function.Function<ModelWorker, T> work) {
    String k = key + GpuBinding.bindCurrentTask();
    ModelWorker w = borrow(k);
    if (w == null) {
      w = new ModelWorker(model);
    }
    try {
      return work.apply(w);
    } finally {
      release(k, w);
    }
  }

  private static synchronized ModelWorker borrow(String key) {
    Deque<ModelWorker> idle = IDLE.get(key);
    return idle == null ? null : idle.poll();
  }

  private static synchronized void release(String key, ModelWorker w) {
    IDLE.computeIfAbsent(key, k -> new ArrayDeque<>()).push(w);
  }
}
