package org.lactspark.kernel.golden;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactForwardPass;
import org.lactspark.kernel.LactGradients;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.NewtonSchulzSchedule;
import org.lactspark.kernel.spi.KernelBackend;

/**
 * Runs golden-vector cases on one backend in one precision and compares the output and every
 * gradient. The {@code conformance} command and the conformance test suites both use it.
 */
public final class ConformanceRunner {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConformanceRunner.class);
  private final KernelBackend backend;
  private final DType dtype;
  private final LactKernel kernel;

  /**
   * @throws IllegalArgumentException if the backend does not support {@code dtype}
   */
  public ConformanceRunner(KernelBackend backend, DType dtype) {
    if (!backend.supportedDTypes().contains(dtype)) {
      throw backend.unsupported(dtype);
    }
    this.backend = backend;
    this.dtype = dtype;
    this.kernel = backend.kernel(dtype);
  }

  /** The backend under test. */
  public KernelBackend backend() {
    return backend;
  }

  /**
   * One compared tensor.
   *
   * @param tensor {@code O}, {@code X} or {@code grad_<input>}
   * @param relError relative Frobenius error (absolute max for a zero reference)
   * @param tolerance the bound it was held to
   * @param failure null if it passed, else why not
   */
  public record TensorResult(String tensor, double relError, double tolerance, String failure) {
    /** Whether it passed. */
    public boolean passed() {
      return failure == null;
    }
  }

  /**
   * One case's outcome.
   *
   * @param name the case folder's name
   * @param tensors each compared tensor (empty if the case could not be run)
   * @param error why the case could not be loaded or run, or null
   */
  public record CaseResult(String name, List<TensorResult> tensors, String error) {
    /** Copies defensively. */
    public CaseResult {
      tensors = List.copyOf(tensors);
    }

    /** Whether it ran and every tensor passed. */
    public boolean passed() {
      return error == null && tensors.stream().allMatch(TensorResult::passed);
    }

    /** The largest relative error over the tensors (NaN if none). */
    public double maxRelError() {
      return tensors.stream().mapToDouble(TensorResult::relError).max().orElse(Double.NaN);
    }
  }

  /**
   * Loads and runs one case folder. Load errors, rejected inputs and backend failures become that
   * case's failed result, never an exception, so one broken case does not hide the others.
   */
  public CaseResult run(Path caseDir) {
    String name = caseDir.getFileName().toString();
    try {
      return run(GoldenCases.load(caseDir));
    } catch (GoldenCaseException e) {
      return new CaseResult(name, List.of(), e.getMessage());
    } catch (IllegalArgumentException e) {
      return new CaseResult(name, List.of(), "case " + name + ": " + e.getMessage());
    } catch (RuntimeException e) {
      LOG.debug("case {} failed", name, e);
      return new CaseResult(name, List.of(),
          "case " + name + ": backend " + backend.name() + " failed: " + e);
    }
  }

  /** Runs a loaded case. */
  public CaseResult run(GoldenCase c) {
    List<TensorResult> results = new ArrayList<>();
    if (c instanceof GoldenCase.LactOpCase lc) {
      try (LactForwardPass pass = kernel.forward(lc.spec(), lc.inputs())) {
        results.add(compare("O", pass.output(), lc.expectedOut(), lc.officialBf16Error(), false));
        LactGradients g = kernel.backward(pass, lc.dOut());
        for (String t : GoldenCases.LACT_INPUTS) {
          HostTensor ref = lc.expectedGrads().get(t);
          if (ref != null) {
            results.add(compare("grad_" + t, g.byName(t), ref, lc.officialBf16Error(), false));
          }
        }
      }
    } else if (c instanceof GoldenCase.NewtonSchulzCase nc) {
      NewtonSchulzSchedule s = NewtonSchulzSchedule.LM_FIVE_STEP;
      results.add(compare("X", kernel.newtonSchulz(nc.g(), s), nc.x(), Map.of(), true));
      results.add(compare("grad_G", kernel.newtonSchulzBackward(nc.g(), nc.dX(), s), nc.gradG(), Map.of(), true));
    }
    return new CaseResult(c.name(), results, null);
  }

  private TensorResult compare(
      String name, HostTensor ours, HostTensor ref, Map<String, Double> bf16, boolean ns) {
    double tol = Tolerances.relative(dtype, bf16.getOrDefault(name, Double.NaN), ns);
    Tolerances.Verdict v = Tolerances.check(ours, ref, tol);
    return new TensorResult(name, v.error(), tol, v.failure());
  }
}
