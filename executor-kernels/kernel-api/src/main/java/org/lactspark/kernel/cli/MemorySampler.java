package org.lactspark.kernel.cli;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Samples a memory gauge on a daemon thread every {@code periodMicros} and keeps the maximum, so a
 * benchmark can report peak memory of code it does not instrument.
 */
public final class MemorySampler implements AutoCloseable {
  private final LongSupplier gauge;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;
  private volatile long max;

  /** Starts sampling {@code gauge} every {@code periodMicros}. */
  public MemorySampler(LongSupplier gauge, long periodMicros) {
    this.gauge = gauge;
    this.max = gauge.getAsLong();
    this.thread = new Thread(() -> loop(periodMicros), "lact-memory-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop(long periodMicros) {
    while (running.get()) {
      sample();
      try {
        Thread.sleep(periodMicros / 1000, (int) (periodMicros % 1000) * 1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Takes one sample now (also called by the measured thread at points of interest). */
  void sample() {
    long v = gauge.getAsLong();
    if (v > max) {
      max = v;
    }
  }

  /** The largest value sampled so far. */
  public long max() {
    return max;
  }

  @Override
  public void close() {
    running.set(false);
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
