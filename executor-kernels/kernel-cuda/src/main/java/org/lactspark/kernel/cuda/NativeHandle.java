package org.lactspark.kernel.cuda;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One handle of {@code liblactcuda} (a forward pass or a stream) and the device memory it owns.
 * {@link #close()} frees it once; a {@link Cleaner} frees it if its owner is dropped unclosed,
 * logging a WARN, because that is a leak the owner should have prevented. Calls through {@link
 * #apply} and {@link #accept} are serialised with {@link #close()} and keep the handle reachable
 * until the native call returns, so neither a racing close nor the Cleaner can free it mid-call.
 */
final class NativeHandle implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NativeHandle.class);
  private static final Cleaner CLEANER = Cleaner.create(r -> {
    Thread t = new Thread(r, "lact-cuda-cleaner");
    t.setDaemon(true);
    return t;
  });

  private final Freer freer;
  private final Cleaner.Cleanable cleanable;
  private final String closedMessage;

  /**
   * Takes ownership of {@code handle}.
   *
   * @param what what the handle is, for the leak warning ("forward pass", "stream")
   * @param free the native function that frees it (a static method: it must not capture the owner)
   * @param closedMessage the {@link IllegalStateException}'s message once closed
   */
  NativeHandle(String what, long handle, LongConsumer free, String closedMessage) {
    this.freer = new Freer(what, handle, free);
    this.cleanable = CLEANER.register(this, freer);
    this.closedMessage = closedMessage;
  }

  /** The action the Cleaner runs at most once; it holds no reference to the handle's owner. */
  private static final class Freer implements Runnable {
    private final String what;
    private final LongConsumer free;
    private volatile long handle;
    private volatile boolean closedByOwner;

    Freer(String what, long handle, LongConsumer free) {
      this.what = what;
      this.handle = handle;
      this.free = free;
    }

    @Override
    public void run() {
      long h = handle;
      handle = 0;
      if (h == 0) {
        return;
      }
      if (!closedByOwner) {
        LOG.warn("a CUDA {} was never closed; the garbage collector frees its device memory", what);
      }
      try {
        free.accept(h);
      } catch (RuntimeException e) {
        LOG.warn("freeing a CUDA {} failed: {}", what, e.getMessage());
      }
    }
  }

  /** Whether the handle was freed. */
  boolean isClosed() {
    return freer.handle == 0;
  }

  /**
   * @throws IllegalStateException with the closed message if the handle was freed
   */
  void requireOpen() {
    if (isClosed()) {
      throw new IllegalStateException(closedMessage);
    }
  }

  /**
   * Runs {@code call} on the live handle.
   *
   * @throws IllegalStateException if it was freed
   */
  synchronized <T> T apply(LongFunction<T> call) {
    requireOpen();
    try {
      return call.apply(freer.handle);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /**
   * Runs {@code call} on the live handle.
   *
   * @throws IllegalStateException if it was freed
   */
  synchronized void accept(LongConsumer call) {
    requireOpen();
    try {
      call.accept(freer.handle);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** Frees the handle; idempotent. */
  @Override
  public synchronized void close() {
    freer.closedByOwner = true;
    cleanable.clean();
  }
}
