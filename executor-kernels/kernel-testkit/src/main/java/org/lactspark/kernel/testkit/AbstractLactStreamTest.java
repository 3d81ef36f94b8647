package org.lactspark.kernel.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lactspark.kernel.testkit.TensorAssert.assertClose;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactForwardPass;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.LactSchedule;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.LactStream;
import org.lactspark.kernel.NewtonSchulzSchedule;
import org.lactspark.kernel.NormPlacement;
import org.lactspark.kernel.reference.ReferenceBackend;

/**
 * The {@link LactStream} of the backend under test against its own whole-sequence forward, in
 * every precision it declares: replaying the schedule (each apply as reads of its queries, each
 * update as one write) reproduces the forward's output and final weights, and so does the order a
 * streaming caller uses (read each piece as it comes, write a chunk once it is complete). Bounds:
 * 1e-12 for the reference, 1e-10 for other float64 backends, 1e-4 in float32 (relative Frobenius).
 */
public abstract class AbstractLactStreamTest extends KernelTestSupport {

  /** Specs (momentum, Muon, both norm placements) times shapes (L not a multiple of C, L = kC, L < C, L = C). */
  static Stream<Arguments> streamCases() {
    LactSpec[] specs = {
      LactSpec.blockCausal(8, false, false),
      LactSpec.blockCausal(8, false, true),
      LactSpec.blockCausal(8, true, false),
      LactSpec.blockCausal(8, true, true),
      LactSpec.blockCausal(8, true, true).withNorm(NormPlacement.PRENORM),
      LactSpec.blockCausal(8, false, true).withNorm(NormPlacement.PRENORM),
    };
    int[][] shapes = {
      // n, dIn, dH, L
      {2, 6, 9, 29}, {1, 9, 6, 24}, {3, 6, 6, 5}, {2, 6, 6, 8},
    };
    List<Arguments> list = new ArrayList<>();
    long seed = 500;
    for (LactSpec s : specs) {
      for (int[] sh : shapes) {
        String name = String.format(Locale.ROOT, "%s C=%d muon=%b momentum=%b n=%d dIn=%d dH=%d L=%d",
            s.norm(), s.chunkSize(), s.muon(), s.momentum(), sh[0], sh[1], sh[2], sh[3]);
        list.add(Arguments.of(name, s, sh, seed++));
      }
    }
    return list.stream();
  }

  private double streamTolerance(DType t) {
    if (t != DType.FLOAT64) {
      return 1e-4;
    }
    return backend().name().equals(ReferenceBackend.NAME) ? 1e-12 : 1e-10;
  }

  @ParameterizedTest(name = "stream = forward: {0}")
  @MethodSource("streamCases")
  void streamingReproducesTheForward(String name, LactSpec s, int[] sh, long seed) {
    LactInputs in = inputs(seed, sh[0], sh[1], sh[2], sh[3], s.momentum(), 0.3);
    for (DType t : backend().supportedDTypes()) {
      LactKernel k = backend().kernel(t);
      double tol = streamTolerance(t);
      HostTensor out;
      HostTensor[] fin;
      try (LactForwardPass p = k.forward(s, in)) {
        out = p.output();
        fin = p.finalWeights();
      }
      LactSchedule schedule = LactSchedule.of(s, sh[3]);
      try (LactStream st = k.stream(s, in.w0(), in.w1(), in.w2())) {
        HostTensor replay = HostTensor.zeros(out.shape());
        for (LactSchedule.Step step : schedule.steps()) {
          if (step.kind() == LactSchedule.Kind.APPLY) {
            // Reads change nothing, so reading the range in two pieces is the same as in one.
            int mid = step.start() + (step.length() + 1) / 2;
            put(replay, step.start(), st.read(tokens(in.q(), step.start(), mid)));
            if (mid < step.end()) {
              put(replay, mid, st.read(tokens(in.q(), mid, step.end())));
            }
          } else {
            write(st, in, step.start(), step.end());
          }
        }
        assertClose(out, replay, tol, t + " output (seed " + seed + ")");
        assertEquals(schedule.updates(), st.updates(), "updates");
        HostTensor[] w = st.weights();
        for (int j = 0; j < 3; j++) {
          assertClose(fin[j], w[j], tol, t + " final W" + j + " (seed " + seed + ")");
        }
      }
      assertClose(out, eagerly(k, s, in, 3), tol, t + " output, streamed in pieces of 3 (seed " + seed + ")");
    }
  }

  /**
   * The streaming caller's order: pieces of {@code piece} tokens, each token read with the weights
   * of its chunk, a chunk written as soon as its last token has been read.
   */
  private static HostTensor eagerly(LactKernel k, LactSpec s, LactInputs in, int piece) {
    int len = in.seqLen();
    int c = s.chunkSize();
    HostTensor out = HostTensor.zeros(in.q().shape());
    try (LactStream st = k.stream(s, in.w0(), in.w1(), in.w2())) {
      for (int from = 0; from < len; from += piece) {
        int to = Math.min(len, from + piece);
        for (int a = from; a < to; ) {
          int b = Math.min(to, (a / c + 1) * c);
          put(out, a, st.read(tokens(in.q(), a, b)));
          if (b % c == 0) {
            write(st, in, b - c, b);
          }
          a = b;
        }
      }
    }
    return out;
  }

  private static void write(LactStream st, LactInputs in, int from, int to) {
    st.write(tokens(in.k(), from, to), tokens(in.v(), from, to), tokens(in.lr0(), from, to),
        tokens(in.lr1(), from, to), tokens(in.lr2(), from, to),
        st.spec().momentum() ? tokens(in.momentum(), from, to) : null);
  }

  /** Tokens {@code [from, to)} of every instance of a {@code [n, L, d]} tensor, as {@code [n, to-from, d]}. */
  protected static HostTensor tokens(HostTensor t, int from, int to) {
    int n = t.dim(0);
    int len = t.dim(1);
    int d = t.dim(2);
    double[] out = new double[n * (to - from) * d];
    for (int i = 0; i < n; i++) {
      System.arraycopy(t.data(), (i * len + from) * d, out, i * (to - from) * d, (to - from) * d);
    }
    return HostTensor.of(out, n, to - from, d);
  }

  /** Writes {@code part [n, t, d]} into tokens {@code [at, at + t)} of {@code dest [n, L, d]}. */
  private static void put(HostTensor dest, int at, HostTensor part) {
    int n = dest.dim(0);
    int len = dest.dim(1);
    int d = dest.dim(2);
    int t = part.dim(1);
    for (int i = 0; i < n; i++) {
      System.arraycopy(part.data(), i * t * d, dest.data(), (i * len + at) * d, t * d);
    }
  }

  @Test
  void streamArgumentsAreCheckedNamingTheArgument() {
    LactKernel k = f64();
    LactInputs in = inputs(7, 2, 4, 6, 16, true, 0.05);
    LactSpec spec = spec(8, true, true);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> k.stream(LactSpec.bidirectional(true, NewtonSchulzSchedule.LM_FIVE_STEP), in.w0(), in.w1(), in.w2()));
    assertTrue(e.getMessage().contains("BIDIRECTIONAL"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> k.stream(spec, in.w0(), in.w0(), in.w2()));
    assertTrue(e.getMessage().startsWith("w1:"), e.getMessage());
    LactStream st = k.stream(spec, in.w0(), in.w1(), in.w2());
    e = assertThrows(IllegalArgumentException.class, () -> st.read(HostTensor.zeros(2, 3, 5)));
    assertTrue(e.getMessage().startsWith("q:"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> st.read(HostTensor.zeros(1, 3, 4)));
    assertTrue(e.getMessage().startsWith("q:"), e.getMessage());
    HostTensor kk = tokens(in.k(), 0, 8);
    HostTensor lr = tokens(in.lr0(), 0, 8);
    HostTensor m = tokens(in.momentum(), 0, 8);
    e = assertThrows(IllegalArgumentException.class, () -> st.write(kk, kk, lr, lr, lr, null));
    assertTrue(e.getMessage().startsWith("momentum:"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> st.write(kk, tokens(in.v(), 0, 7), lr, lr, lr, m));
    assertTrue(e.getMessage().startsWith("v:"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> st.write(kk, kk, lr, kk, lr, m));
    assertTrue(e.getMessage().startsWith("lr1:"), e.getMessage());
    HostTensor bad = kk.copy();
    bad.data()[3] = Double.NaN;
    e = assertThrows(IllegalArgumentException.class, () -> st.write(bad, kk, lr, lr, lr, m));
    assertTrue(e.getMessage().startsWith("k:") && e.getMessage().contains("non-finite"), e.getMessage());
    assertEquals(0, st.updates(), "a rejected write changes nothing");
    st.close();
    st.close();
    assertThrows(IllegalStateException.class, () -> st.read(tokens(in.q(), 0, 1)));
    try (LactStream noMomentum = k.stream(spec(8, false, false), in.w0(), in.w1(), in.w2())) {
      e = assertThrows(IllegalArgumentException.class, () -> noMomentum.write(kk, kk, lr, lr, lr, m));
      assertTrue(e.getMessage().startsWith("momentum:"), e.getMessage());
    }
  }
}
