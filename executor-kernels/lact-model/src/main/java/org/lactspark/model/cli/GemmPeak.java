package org.lactspark.model.cli;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The float32 GEMM throughput of ND4J on this machine: the peak that {@code bench train-step}
 * reports as {@code gemm_peak_gflops} and the train job divides by for its MFU.
 */
public final class GemmPeak {
  private static final int N = 1024;

  private GemmPeak() {}

  /** GFLOP/s of the best of five {@code 1024 x 1024} float32 products. */
  public static double gflops() {
    INDArray a = Nd4j.rand(DataType.FLOAT, N, N);
    INDArray b = Nd4j.rand(DataType.FLOAT, N, N);
    INDArray out = Nd4j.createUninitialized(DataType.FLOAT, N, N);
    double best = Double.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      long t = System.nanoTime();
      a.mmuli(b, out);
      best = Math.min(best, (System.nanoTime() - t) / 1e9);
    }
    return 2.0 * N * N * N / best / 1e9;
  }
}
