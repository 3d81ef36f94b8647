package org.lactspark.model.nn;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one independent branch of a layer (the sliding-window attention beside the TTT branch) on
 * a helper thread while the calling thread computes the other.
 *
 * <p>Why: the model's elementwise work runs best with one libnd4j thread and the LaCT op with one
 * BLAS thread (NOTES.md), so one branch alone leaves a core idle; the attention and the TTT branch
 * read the same q, k and v and nothing else of each other. {@value #PROPERTY} sets the number of
 * helper threads (default: one if the JVM has two or more processors, else none, in which case
 * branches run inline). Helper threads are daemons shared by every layer in the JVM.
 */
final class Branches {
  /** System property: helper threads for branch parallelism (0 runs branches inline). */
  static final String PROPERTY = "lact.model.branchThreads";

  private static final ExecutorService POOL = pool();

  private Branches() {}

  private static ExecutorService pool() {
    int dflt = Runtime.getRuntime().availableProcessors() > 1 ? 1 : 0;
    int n = Integer.getInteger(PROPERTY, dflt);
    if (n <= 0) {
      return null;
    }
    AtomicInteger count = new AtomicInteger();
    return Executors.newFixedThreadPool(n, r -> {
      Thread t = new Thread(r, "lact-branch-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** The results of {@link #together}: the helper's and the caller's. */
  record Both<S, O>(S side, O own) {}

  /**
   * Runs {@code side} on a helper thread (inline when there is none) while the calling thread runs
   * {@code own}, and returns both results; if {@code own} fails, waits for {@code side} before
   * rethrowing, so no branch outlives its caller's data.
   */
  static <S, O> Both<S, O> together(Callable<S> side, java.util.function.Supplier<O> own) {
    Future<S> later = fork(side);
    O mine;
    try {
      mine = own.get();
    } catch (RuntimeException | Error e) {
      settle(later);
      throw e;
    }
    return new Both<>(join(later), mine);
  }

  /** Starts {@code task} on a helper thread, or runs it now when there is none. */
  static <T> Future<T> fork(Callable<T> task) {
    if (POOL == null) {
      try {
        return CompletableFuture.completedFuture(task.call());
      } catch (Exception e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    return POOL.submit(task);
  }

  /** The branch's result; its exception is rethrown as it was (checked ones wrapped). */
  static <T> T join(Future<T> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a layer branch", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("a layer branch failed", cause);
    }
  }

  /** Waits for {@code f} without caring how it ended (clean-up after the caller's own failure). */
  static void settle(Future<?> f) {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      // The caller is already failing; its own exception is the one to report.
    }
  }
}
