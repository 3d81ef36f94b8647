package org.lactspark.driver.dist;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The executor-resident models: one JVM keeps the models it built, keyed by model, and lends each
 * to one task at a time (tasks of the same executor run side by side, and a graph is not
 * thread-safe). A model is built only when every one of that key is lent out.
 */
public final class Workers {
  private static final Map<String, Deque<ModelWorker>> IDLE = new HashMap<>();

  private Workers() {}

  /** Runs {@code work} with a worker of {@code key}, building one with {@code make} if none is free. */
  public static <T> T with(String key, Supplier<ModelWorker> make, java.util.function.Function<ModelWorker, T> work) {
    ModelWorker w = borrow(key);
    if (w == null) {
      w = make.get();
    }
    try {
      return work.apply(w);
    } finally {
      release(key, w);
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
