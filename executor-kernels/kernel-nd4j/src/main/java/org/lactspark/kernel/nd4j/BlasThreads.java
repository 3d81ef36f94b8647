package org.lactspark.kernel.nd4j;

import org.nd4j.linalg.api.blas.Blas;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Limits BLAS to {@value #PROPERTY} threads (default 1) while any op call runs, and restores the
 * previous setting when the last concurrent call ends (the setting is process-wide, so calls on
 * several threads share one scope count).
 *
 * <p>Why: the op's products are batches of small matrices (for example 4 x 512 x 128 x 128).
 * libnd4j already spreads a batch over its own threads; letting OpenBLAS split each small product
 * again oversubscribes the cores. Measured on the 2-core build machine (bench lact-op, float32,
 * n=4, d=128, L=4096, C=512, Muon and momentum): forward plus backward 1552 ms with both thread
 * pools at 2, 750 ms with BLAS at 1. Large products elsewhere in a DL4J model keep the user's
 * setting, because it is restored after the calls.
 */
final class BlasThreads implements AutoCloseable {
  /** System property naming the BLAS thread count used inside the op. */
  static final String PROPERTY = "lact.nd4j.opBlasThreads";

  /**
   * System property naming the BLAS thread count for everything outside the op (the model's large
   * products), applied once when the backend hands out its first kernel; unset leaves ND4J's
   * choice, which follows {@code OMP_NUM_THREADS}. Why separate: on the 2-core build machine one
   * libnd4j thread was best for the model's elementwise work (OMP_NUM_THREADS=1), but that also
   * left BLAS at one thread; a [2048, 256] x [256, 768] product ran at 86 GFLOP/s with one BLAS
   * thread and 150 with two.
   */
  static final String PROCESS_PROPERTY = "lact.nd4j.blasThreads";

  private static int active;
  private static int previous;
  private static boolean configured;

  private BlasThreads() {}

  /** Applies {@value #PROCESS_PROPERTY} to the process, once; a bad value is an error naming it. */
  static synchronized void configureProcess() {
    if (configured) {
      return;
    }
    configured = true;
    String v = System.getProperty(PROCESS_PROPERTY);
    if (v == null || v.isBlank()) {
      return;
    }
    int n;
    try {
      n = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      n = 0;
    }
    if (n < 1) {
      throw new IllegalArgumentException("system property " + PROCESS_PROPERTY + " = '" + v
          + "': expected a positive thread count");
    }
    synchronized (BlasThreads.class) {
      Nd4j.factory().blas().setMaxThreads(n);
    }
  }

  static BlasThreads forOp() {
    synchronized (BlasThreads.class) {
      if (active++ == 0) {
        Blas blas = Nd4j.factory().blas();
        previous = blas.getMaxThreads();
        int wanted = Integer.getInteger(PROPERTY, 1);
        if (wanted >= 1 && wanted != previous) {
          blas.setMaxThreads(wanted);
        }
      }
    }
    return new BlasThreads();
  }

  @Override
  public void close() {
    synchronized (BlasThreads.class) {
      if (--active == 0) {
        Blas blas = Nd4j.factory().blas();
        if (blas.getMaxThreads() != previous) {
          blas.setMaxThreads(previous);
        }
      }
    }
  }
}
