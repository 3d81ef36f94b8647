package org.lactspark.kernel.testkit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.lactspark.kernel.testkit.TensorAssert.assertClose;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactForwardPass;
import org.lactspark.kernel.LactGradients;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.NewtonSchulzSchedule;
import org.lactspark.kernel.NormPlacement;
import org.lactspark.kernel.golden.ConformanceRunner;
import org.lactspark.kernel.golden.GoldenCases;
import org.lactspark.kernel.golden.Tolerances;

/**
 * The conformance suite of a kernel backend: extend it and implement {@link #backend()}. It checks
 * the golden vectors of the official implementation (through the same runner as the {@code
 * conformance} command), agreement with the float64 reference on shapes and options the fixtures do
 * not cover, finite-difference gradients, the invariants of {@link AbstractLactInvariantsTest} and
 * the handling of bad input. Precisions the backend does not declare are skipped, saying so.
 */
public abstract class AbstractLactKernelConformanceTest extends AbstractLactInvariantsTest {
  private static final List<String> INPUTS = GoldenCases.LACT_INPUTS;

  static Stream<Path> goldenCases() throws IOException {
    return GoldenCases.list(Fixtures.lactOp()).stream();
  }

  @ParameterizedTest(name = "golden {0} in float64")
  @MethodSource("goldenCases")
  void goldenVectorsFloat64(Path dir) {
    golden(dir, DType.FLOAT64);
  }

  @ParameterizedTest(name = "golden {0} in float32")
  @MethodSource("goldenCases")
  void goldenVectorsFloat32(Path dir) {
    golden(dir, DType.FLOAT32);
  }

  @ParameterizedTest(name = "golden {0} in bfloat16")
  @MethodSource("goldenCases")
  void goldenVectorsBfloat16(Path dir) {
    golden(dir, DType.BFLOAT16);
  }

  private void golden(Path dir, DType t) {
    kernel(t);
    ConformanceRunner.CaseResult r = new ConformanceRunner(backend(), t).run(dir);
    assertTrue(r.passed(), () -> r.error() != null ? r.error()
        : r.tensors().stream().filter(x -> !x.passed()).map(x -> x.tensor() + ": " + x.failure())
            .collect(Collectors.joining("; ")));
  }

  /**
   * Options and shapes: d_h != d_in both ways; L < C, L = C, L = kC, L = kC + 1; one instance and
   * several; every switch; both norm placements; both modes; write masks.
   */
  static Stream<Arguments> cases() {
    List<Arguments> list = new ArrayList<>();
    LactSpec[] specs = {
      LactSpec.blockCausal(8, false, false),
      LactSpec.blockCausal(8, false, true),
      LactSpec.blockCausal(8, true, false),
      LactSpec.blockCausal(8, true, true),
      LactSpec.blockCausal(8, true, true).withNorm(NormPlacement.PRENORM),
      LactSpec.blockCausal(8, false, true).withNorm(NormPlacement.PRENORM),
      LactSpec.bidirectional(true, NewtonSchulzSchedule.LM_FIVE_STEP),
      LactSpec.bidirectional(true, NewtonSchulzSchedule.fixed(5)),
      LactSpec.bidirectional(false, NewtonSchulzSchedule.LM_FIVE_STEP).withNormTargetsDetached(false),
    };
    int[][] shapes = {
      // n, dIn, dH, L, masked
      {2, 6, 9, 29, 0}, {1, 9, 6, 24, 0}, {3, 6, 6, 5, 0}, {2, 6, 6, 8, 0}, {1, 5, 7, 17, 1},
    };
    long seed = 100;
    for (LactSpec s : specs) {
      for (int[] sh : shapes) {
        list.add(Arguments.of(describe(s, sh), s, sh, seed++));
      }
    }
    return list.stream();
  }

  private static String describe(LactSpec s, int[] sh) {
    return String.format(java.util.Locale.ROOT, "%s %s C=%d muon=%b momentum=%b n=%d dIn=%d dH=%d L=%d%s",
        s.mode(), s.norm(), s.chunkSize(), s.muon(), s.momentum(), sh[0], sh[1], sh[2], sh[3],
        sh[4] == 1 ? " masked" : "");
  }

  /** The inputs of a case; masked cases drop a few writers (padding / non-writer views). */
  private static LactInputs caseInputs(LactSpec s, int[] sh, long seed) {
    LactInputs in = inputs(seed, sh[0], sh[1], sh[2], sh[3], s.momentum(), 0.05);
    boolean masked = sh[4] == 1 || s.mode() == org.lactspark.kernel.LactMode.BIDIRECTIONAL;
    if (!masked) {
      return in;
    }
    HostTensor mask = filled(1.0, sh[0], sh[3]);
    for (int t = 2; t < sh[3]; t += 3) {
      mask.data()[t] = 0;
    }
    return in.withWriteMask(mask);
  }

  /**
   * Every declared precision against the float64 reference: float64 within 1e-9, float32 within
   * 1e-4; bf16 (no official error exists for these inputs) within {@link
   * Tolerances#bf16FromFloat32} of the backend's own float32 error, or with Muon or momentum within
   * {@link Tolerances#BF16_RECURSIVE}; in every precision no tensor all-zero, NaN or infinite where
   * the reference is not.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void agreesWithTheReferenceInEveryPrecision(String name, LactSpec s, int[] sh, long seed) {
    assumeTrue(!backend().name().equals(org.lactspark.kernel.reference.ReferenceBackend.NAME),
        "the reference is the oracle itself");
    LactInputs in = caseInputs(s, sh, seed);
    HostTensor dOut = upstream(seed, in);
    Results ref = Results.of(REFERENCE, s, in, dOut);
    Results f32 = backend().supportedDTypes().contains(DType.FLOAT32)
        ? Results.of(backend().kernel(DType.FLOAT32), s, in, dOut) : null;
    for (DType t : backend().supportedDTypes()) {
      Results mine = t == DType.FLOAT32 ? f32 : Results.of(backend().kernel(t), s, in, dOut);
      for (java.util.Map.Entry<String, HostTensor> e : ref.tensors().entrySet()) {
        String x = e.getKey();
        HostTensor expected = e.getValue();
        HostTensor actual = mine.tensors().get(x);
        String what = t + " " + x + " (seed " + seed + ")";
        if (expected.maxAbs() == 0) {
          assertTrue(actual.maxAbs() <= Tolerances.ZERO_ABS, what + " must be zero");
          continue;
        }
        double tol = Tolerances.relative(t, Double.NaN, false);
        if (t == DType.BFLOAT16 && (s.muon() || s.momentum())) {
          tol = Tolerances.BF16_RECURSIVE;
        } else if (t == DType.BFLOAT16 && f32 != null) {
          tol = Tolerances.bf16FromFloat32(Tolerances.relativeError(f32.tensors().get(x), expected), false);
        }
        assertClose(expected, actual, tol, what);
        assertTrue(actual.maxAbs() > 0, what + " is all zero where the reference is not");
      }
    }
  }

  /** Everything a forward and backward produce, by name: output, final W0..W2, grad_x for each input. */
  private record Results(java.util.Map<String, HostTensor> tensors) {
    static Results of(LactKernel k, LactSpec s, LactInputs in, HostTensor dOut) {
      java.util.Map<String, HostTensor> m = new java.util.LinkedHashMap<>();
      m.put("output", OpRunner.forward(k, s, in));
      HostTensor[] fin = finalWeights(k, s, in);
      for (int j = 0; j < 3; j++) {
        m.put("final W" + j, fin[j]);
      }
      LactGradients g = OpRunner.gradients(k, s, in, dOut);
      for (String x : INPUTS) {
        if (g.byName(x) != null && in.byName(x) != null) {
          m.put("grad_" + x, g.byName(x));
        }
      }
      return new Results(m);
    }
  }

  private static HostTensor[] finalWeights(LactKernel k, LactSpec s, LactInputs in) {
    try (LactForwardPass p = k.forward(s, in)) {
      return p.finalWeights();
    }
  }

  @ParameterizedTest(name = "finite differences: {0}")
  @MethodSource("cases")
  void gradientsMatchFiniteDifferences(String name, LactSpec s, int[] sh, long seed) {
    LactKernel k = f64();
    LactInputs in = OpRunner.copy(caseInputs(s, sh, seed));
    HostTensor dOut = upstream(seed, in);
    LactGradients g = OpRunner.gradients(k, s, in, dOut);
    for (String x : INPUTS) {
      HostTensor t = in.byName(x);
      if (t == null || (s.normTargetsDetached() && x.startsWith("w"))) {
        continue; // detached targets: see detachedNormTargetsDropOnlyTheRowNormPath
      }
      double err = FiniteDifference.directional(t, g.byName(x), unused -> OpRunner.loss(k, s, in, dOut),
          1e-5, seed * 31 + x.hashCode(), null, 1e-4);
      assertTrue(err < 1e-6, "grad_" + x + ": finite-difference disagreement " + err + " (seed " + seed + ")");
    }
  }

  @ParameterizedTest(name = "detached norm targets change only the row-parallel part of dW, muon={0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void detachedNormTargetsDropOnlyTheRowNormPath(boolean muon) {
    LactKernel k = f64();
    LactSpec attached = LactSpec.blockCausal(6, muon, true);
    LactInputs in = OpRunner.copy(inputs(31, 2, 5, 7, 20, true, 0.3));
    HostTensor dOut = upstream(31, in);
    LactGradients full = OpRunner.gradients(k, attached, in, dOut);
    LactSpec detachedSpec = attached.withNormTargetsDetached(true);
    LactGradients detached = OpRunner.gradients(k, detachedSpec, in, dOut);
    assertClose(full.q(), detached.q(), 1e-12, "grad_q does not depend on the targets' gradient");
    HostTensor[] w = {in.w0(), in.w1(), in.w2()};
    for (int j = 0; j < 3; j++) {
      String x = "w" + j;
      HostTensor diff = full.byName(x).copy();
      for (int i = 0; i < diff.size(); i++) {
        diff.data()[i] -= detached.byName(x).data()[i];
      }
      int cols = w[j].dim(2);
      double biggest = 0;
      for (int r = 0; r < diff.size() / cols; r++) {
        double dw = 0;
        double ww = 0;
        for (int c = 0; c < cols; c++) {
          dw += diff.data()[r * cols + c] * w[j].data()[r * cols + c];
          ww += w[j].data()[r * cols + c] * w[j].data()[r * cols + c];
        }
        double off = 0;
        double len = 0;
        for (int c = 0; c < cols; c++) {
          double d = diff.data()[r * cols + c];
          double par = dw / ww * w[j].data()[r * cols + c];
          off += (d - par) * (d - par);
          len += d * d;
        }
        assertTrue(Math.sqrt(off) <= 1e-9 * Math.max(Math.sqrt(len), 1e-12), x + " row " + r + " is row-parallel");
        biggest = Math.max(biggest, Math.sqrt(len));
      }
      assertTrue(biggest > 1e-6, x + ": detaching must change the gradient");
      // along directions that keep every row's norm, both gradients are the true derivative
      double err = FiniteDifference.directional(w[j], detached.byName(x),
          unused -> OpRunner.loss(k, detachedSpec, in, dOut), 1e-5, 77 + j, null, 1e-4, w[j].data().clone());
      assertTrue(err < 1e-6, x + ": tangential finite differences " + err);
    }
  }

  @ParameterizedTest(name = "Newton-Schulz agrees with the reference in {0}")
  @EnumSource(DType.class)
  void newtonSchulzAgreesWithTheReference(DType t) {
    LactKernel k = kernel(t);
    for (int[] shape : new int[][] {{3, 5, 9}, {2, 9, 5}, {1, 7, 7}}) {
      HostTensor g = new org.lactspark.kernel.synth.SyntheticLactInputs(shape[1] * 10L).normal(shape);
      HostTensor dx = new org.lactspark.kernel.synth.SyntheticLactInputs(shape[2] * 7L).normal(shape);
      NewtonSchulzSchedule s = NewtonSchulzSchedule.LM_FIVE_STEP;
      HostTensor x = REFERENCE.newtonSchulz(g, s);
      HostTensor gx = REFERENCE.newtonSchulzBackward(g, dx, s);
      double tolX = Tolerances.relative(t, Double.NaN, true);
      double tolG = tolX;
      if (t == DType.BFLOAT16 && backend().supportedDTypes().contains(DType.FLOAT32)) {
        LactKernel f32 = backend().kernel(DType.FLOAT32);
        tolX = Tolerances.bf16FromFloat32(Tolerances.relativeError(f32.newtonSchulz(g, s), x), true);
        tolG = Tolerances.bf16FromFloat32(Tolerances.relativeError(f32.newtonSchulzBackward(g, dx, s), gx), true);
      }
      assertClose(x, k.newtonSchulz(g, s), tolX, "NS " + java.util.Arrays.toString(shape));
      assertClose(gx, k.newtonSchulzBackward(g, dx, s), tolG, "NS backward " + java.util.Arrays.toString(shape));
    }
  }

  // ---------------------------------------------------------------- bad input

  @Test
  void misshapenInputIsRejectedNamingTheArgument() {
    LactInputs ok = inputs(1, 2, 4, 6, 10, true, 0.05);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LactInputs(ok.w0(),
        ok.w1(), ok.w2(), ok.q(), HostTensor.zeros(2, 9, 4), ok.v(), ok.lr0(), ok.lr1(), ok.lr2(), ok.momentum(), null));
    assertTrue(e.getMessage().startsWith("k:"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new LactInputs(ok.w0(), ok.w0(), ok.w2(), ok.q(),
        ok.k(), ok.v(), ok.lr0(), ok.lr1(), ok.lr2(), ok.momentum(), null));
    assertTrue(e.getMessage().startsWith("w1:"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new LactInputs(ok.w0(), ok.w1(), ok.w2(), ok.q(),
        ok.k(), ok.v(), ok.lr0(), ok.lr1(), HostTensor.zeros(2, 10, 2), ok.momentum(), null));
    assertTrue(e.getMessage().startsWith("lr2:"), e.getMessage());
  }

  @Test
  void nonFiniteInputIsRejectedNamingTheArgument() {
    LactInputs ok = inputs(2, 1, 4, 4, 10, true, 0.05);
    HostTensor v = ok.v().copy();
    v.data()[7] = Double.NaN;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LactInputs(ok.w0(),
        ok.w1(), ok.w2(), ok.q(), ok.k(), v, ok.lr0(), ok.lr1(), ok.lr2(), ok.momentum(), null));
    assertTrue(e.getMessage().startsWith("v:") && e.getMessage().contains("non-finite"), e.getMessage());
    HostTensor lr = ok.lr0().copy();
    lr.data()[0] = Double.POSITIVE_INFINITY;
    e = assertThrows(IllegalArgumentException.class, () -> new LactInputs(ok.w0(), ok.w1(), ok.w2(), ok.q(),
        ok.k(), ok.v(), lr, ok.lr1(), ok.lr2(), ok.momentum(), null));
    assertTrue(e.getMessage().startsWith("lr0:"), e.getMessage());
    LactKernel k = f64();
    HostTensor dOut = upstream(2, ok);
    dOut.data()[3] = Double.NaN;
    try (LactForwardPass p = k.forward(spec(4, true, true), ok)) {
      e = assertThrows(IllegalArgumentException.class, () -> k.backward(p, dOut));
      assertTrue(e.getMessage().startsWith("dOut:"), e.getMessage());
    }
  }

  @Test
  void badChunkSizeAndEmptySequencesAreRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spec(0, false, false));
    assertTrue(e.getMessage().contains("chunkSize = 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> spec(-3, true, true));
    assertTrue(e.getMessage().contains("chunkSize = -3"), e.getMessage());
    LactInputs ok = inputs(3, 1, 4, 4, 3, false, 0.05);
    HostTensor empty = HostTensor.zeros(1, 0, 4);
    HostTensor emptyLr = HostTensor.zeros(1, 0, 1);
    e = assertThrows(IllegalArgumentException.class, () -> new LactInputs(ok.w0(), ok.w1(), ok.w2(), empty,
        empty, empty, emptyLr, emptyLr, emptyLr, null, null));
    assertTrue(e.getMessage().startsWith("q:") && e.getMessage().contains("zero-length"), e.getMessage());
  }

  @Test
  void specAndInputsMustAgreeAndClosedPassesCannotBeDifferentiated() {
    LactKernel k = f64();
    LactInputs noMomentum = inputs(4, 1, 4, 4, 12, false, 0.05);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> k.forward(spec(4, false, true), noMomentum));
    assertTrue(e.getMessage().startsWith("momentum:"), e.getMessage());
    LactForwardPass p = k.forward(spec(4, false, false), noMomentum);
    HostTensor dOut = upstream(4, noMomentum);
    e = assertThrows(IllegalArgumentException.class, () -> k.backward(p, HostTensor.zeros(1, 11, 4)));
    assertTrue(e.getMessage().startsWith("dOut:"), e.getMessage());
    p.close();
    assertThrows(IllegalStateException.class, () -> k.backward(p, dOut));
  }

  @Test
  void unsupportedPrecisionIsAClearError() {
    for (DType t : DType.values()) {
      if (!backend().supportedDTypes().contains(t)) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend().kernel(t));
        assertTrue(e.getMessage().contains(t.cliName()) && e.getMessage().contains(backend().name()), e.getMessage());
        return;
      }
    }
    assumeTrue(false, "backend " + backend().name() + " supports every precision");
  }
}
