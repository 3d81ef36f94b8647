package org.lactspark.kernel.nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.lactspark.kernel.testkit.TensorAssert.assertClose;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactGradients;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.synth.SyntheticLactInputs;
import org.lactspark.kernel.testkit.OpRunner;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One kernel shared by several threads (as executor tasks share it): results equal the
 * single-threaded ones, recycled buffers never leak between calls, and the process-wide BLAS thread
 * setting is restored afterwards.
 */
class Nd4jKernelThreadingTest {

  @Test
  void concurrentCallsGiveTheSequentialResultsAndRestoreBlasThreads() throws Exception {
    LactKernel k = new Nd4jBackend().kernel(DType.FLOAT32);
    LactSpec spec = LactSpec.blockCausal(16, true, true);
    List<LactInputs> inputs = new ArrayList<>();
    List<HostTensor> douts = new ArrayList<>();
    List<LactGradients> expected = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      SyntheticLactInputs gen = new SyntheticLactInputs(500 + i);
      LactInputs in = gen.next(2, 8, 12, 70, true, 0.05);
      inputs.add(in);
      douts.add(gen.normal(2, 70, 8));
      expected.add(OpRunner.gradients(k, spec, in, douts.get(i)));
    }
    int blasBefore = Nd4j.factory().blas().getMaxThreads();
    ExecutorService pool = Executors.newFixedThreadPool(3, r -> new Thread(r, "lact-threading-test"));
    try {
      List<Future<LactGradients>> results = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 4; i++) {
          int idx = i;
          results.add(pool.submit(() -> OpRunner.gradients(k, spec, inputs.get(idx), douts.get(idx))));
        }
      }
      for (int r = 0; r < results.size(); r++) {
        LactGradients got = results.get(r).get();
        LactGradients want = expected.get(r % 4);
        for (String x : List.of("w0", "w1", "w2", "q", "k", "v", "lr0", "lr1", "lr2", "momentum")) {
          assertClose(want.byName(x), got.byName(x), 1e-6, "call " + r + " grad_" + x);
        }
      }
    } finally {
      pool.shutdown();
    }
    assertEquals(blasBefore, Nd4j.factory().blas().getMaxThreads(), "BLAS threads restored");
  }
}
