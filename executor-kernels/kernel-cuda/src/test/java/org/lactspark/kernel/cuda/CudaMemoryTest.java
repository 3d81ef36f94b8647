package org.lactspark.kernel.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.Reference;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactForwardPass;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.LactMode;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.LactStream;
import org.lactspark.kernel.NewtonSchulzSchedule;
import org.lactspark.kernel.NormPlacement;
import org.lactspark.kernel.synth.SyntheticLactInputs;

/**
 * Device memory: thousands of forward, backward and close cycles, Newton-Schulz calls and streams
 * give back exactly what they took ({@link NativeLact#allocatedBytes()}), and the device's own
 * count ({@link NativeLact#deviceUsedBytes()}) does not creep; an impossible allocation is a
 * {@link CudaException} in CUDA's words that leaves nothing behind; closed passes and streams
 * refuse to be used; a pass dropped unclosed is freed by the Cleaner. GPU only.
 */
@RequiresCuda
class CudaMemoryTest {
  private static final CudaBackend BACKEND = new CudaBackend();
  /** Cycles per precision. */
  private static final int ROUNDS = 1000;
  /** What the device's count of used memory may grow by over the cycles (CUDA's own lazy state). */
  private static final long DEVICE_SLACK = 64L << 20;

  private static final List<LactSpec> SPECS = List.of(
      LactSpec.blockCausal(8, true, true),
      LactSpec.blockCausal(8, false, false),
      LactSpec.blockCausal(8, false, true).withNorm(NormPlacement.PRENORM),
      LactSpec.bidirectional(true, NewtonSchulzSchedule.fixed(3)));

  /** Inputs, the same with a write mask (for the bidirectional spec), and an upstream gradient. */
  private record Case(LactInputs in, LactInputs masked, HostTensor dOut) {}

  private static final Case SMALL = make(1, 2, 8, 12, 29);
  private static final Case LARGER = make(2, 4, 64, 96, 300);

  private static Case make(long seed, int n, int dIn, int dH, int len) {
    SyntheticLactInputs gen = new SyntheticLactInputs(seed);
    LactInputs in = gen.next(n, dIn, dH, len, true, 0.05);
    return new Case(in, in.withWriteMask(mask(in)), gen.normal(n, len, dIn));
  }

  /** One of each: forward, backward, final weights and close; Newton-Schulz both ways; a stream. */
  private static void cycle(LactKernel k, int i, Case c) {
    LactSpec spec = SPECS.get(i % SPECS.size());
    boolean bidirectional = spec.mode() == LactMode.BIDIRECTIONAL;
    LactInputs in = bidirectional ? c.masked : c.in;
    try (LactForwardPass p = k.forward(spec, in)) {
      k.backward(p, c.dOut);
      p.finalWeights();
    }
    HostTensor g = c.in.w0();
    k.newtonSchulzBackward(g, k.newtonSchulz(g, spec.nsSchedule()), spec.nsSchedule());
    LactSpec streamed = bidirectional ? SPECS.get(0) : spec;
    try (LactStream st = k.stream(streamed, c.in.w0(), c.in.w1(), c.in.w2())) {
      int chunk = streamed.chunkSize();
      st.read(tokens(c.in.q(), 0, chunk));
      st.write(tokens(c.in.k(), 0, chunk), tokens(c.in.v(), 0, chunk), tokens(c.in.lr0(), 0, chunk),
          tokens(c.in.lr1(), 0, chunk), tokens(c.in.lr2(), 0, chunk),
          streamed.momentum() ? tokens(c.in.momentum(), 0, chunk) : null);
      st.weights();
    }
  }

  private static HostTensor mask(LactInputs in) {
    HostTensor m = HostTensor.zeros(in.n(), in.seqLen());
    for (int i = 0; i < m.size(); i++) {
      m.data()[i] = i % 3 == 2 ? 0 : 1;
    }
    return m;
  }

  private static HostTensor tokens(HostTensor t, int from, int to) {
    int n = t.dim(0);
    int len = t.dim(1);
    int d = t.dim(2);
    double[] out = new double[n * (to - from) * d];
    for (int i = 0; i < n; i++) {
      System.arraycopy(t.data(), (i * len + from) * d, out, i * (to - from) * d, (to - from) * d);
    }
    return HostTensor.of(out, n, to - from, d);
  }

  @Test
  void thousandsOfCyclesGiveBackEveryByte() {
    // one warm-up round first: what CUDA and the library create lazily on first use is kept by design
    for (DType t : BACKEND.supportedDTypes()) {
      for (int i = 0; i < SPECS.size(); i++) {
        cycle(BACKEND.kernel(t), i, SMALL);
        cycle(BACKEND.kernel(t), i, LARGER);
      }
    }
    long allocated = NativeLact.allocatedBytes();
    long device = NativeLact.deviceUsedBytes();
    for (DType t : BACKEND.supportedDTypes()) {
      LactKernel k = BACKEND.kernel(t);
      for (int i = 0; i < ROUNDS; i++) {
        cycle(k, i, i % 50 == 0 ? LARGER : SMALL);
      }
      assertEquals(allocated, NativeLact.allocatedBytes(), t + ": library allocations after " + ROUNDS + " cycles");
    }
    long grown = NativeLact.deviceUsedBytes() - device;
    assertTrue(grown <= DEVICE_SLACK, String.format(Locale.ROOT,
        "device memory in use grew by %d bytes over %d cycles (slack %d)", grown, 3 * ROUNDS, DEVICE_SLACK));
  }

  @Test
  void anImpossibleAllocationIsACudaExceptionInCudasWordsAndLeavesNothing() {
    LactKernel k = BACKEND.kernel(DType.FLOAT32);
    long before = NativeLact.allocatedBytes();
    CudaException e = assertThrows(CudaException.class, () -> NativeLact.checkAllocation(1L << 50));
    assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains("out of memory"), e.getMessage());
    assertEquals(before, NativeLact.allocatedBytes(), "allocations after the failure");
    NativeLact.checkAllocation(1L << 20);
    cycle(k, 0, SMALL); // the library still works
    assertEquals(before, NativeLact.allocatedBytes());
  }

  @Test
  void closedPassesAndStreamsRefuseToBeUsed() {
    LactKernel k = BACKEND.kernel(DType.FLOAT32);
    LactSpec spec = SPECS.get(0);
    LactForwardPass p = k.forward(spec, SMALL.in);
    assertTrue(p.savedStateBytes() > 0, "a pass holds device memory");
    p.close();
    p.close();
    assertEquals(0, p.savedStateBytes());
    IllegalStateException e = assertThrows(IllegalStateException.class, p::finalWeights);
    assertTrue(e.getMessage().startsWith("pass:"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> k.backward(p, SMALL.dOut));
    LactStream st = k.stream(spec, SMALL.in.w0(), SMALL.in.w1(), SMALL.in.w2());
    st.close();
    st.close();
    assertThrows(IllegalStateException.class, st::weights);
    assertThrows(IllegalStateException.class, () -> st.read(tokens(SMALL.in.q(), 0, 1)));
    try (LactForwardPass open = k.forward(spec, SMALL.in)) {
      IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
          () -> BACKEND.kernel(DType.FLOAT64).backward(open, SMALL.dOut));
      assertTrue(other.getMessage().startsWith("pass:"), other.getMessage());
    }
  }

  @Test
  void aPassDroppedUnclosedIsFreedByTheCleaner() throws InterruptedException {
    long before = NativeLact.allocatedBytes();
    long held = forwardAndDrop();
    assertTrue(held > before, "the dropped pass held device memory");
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (NativeLact.allocatedBytes() != before && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(50);
    }
    assertEquals(before, NativeLact.allocatedBytes(), "allocations once the dropped pass was collected");
  }

  /** Runs a forward whose pass is never closed; returns the library's allocations while it lived. */
  private static long forwardAndDrop() {
    LactForwardPass p = BACKEND.kernel(DType.FLOAT32).forward(SPECS.get(0), SMALL.in);
    long held = NativeLact.allocatedBytes();
    Reference.reachabilityFence(p);
    return held;
  }
}
