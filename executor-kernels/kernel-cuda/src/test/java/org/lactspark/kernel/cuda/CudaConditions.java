package org.lactspark.kernel.cuda;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JUnit conditions on whether the CUDA backend can run in this JVM (the process-wide library: jar
 * or {@code -Dlact.cuda.library}, device {@code -Dlact.cuda.device}). A skip names the reason; the
 * reason is also logged once per JVM, at WARN, so a run without a GPU says why its GPU tests did
 * not run. With the system property {@value #REQUIRE_PROPERTY}{@code =true} (the GPU host's check
 * sets it) a GPU test fails instead, so a broken library or device cannot pass as skipped tests.
 */
final class CudaConditions {
  private static final Logger LOG = LoggerFactory.getLogger(CudaConditions.class);
  private static final AtomicBoolean REPORTED = new AtomicBoolean();

  /** System property: {@code true} turns a GPU test's skip into a failure. */
  static final String REQUIRE_PROPERTY = "lact.cuda.require";

  private CudaConditions() {}

  /** Why the CUDA backend cannot run here, or empty if it can. */
  static Optional<String> unavailableReason() {
    return new CudaBackend().unavailableReason();
  }

  /** Enables a test only where the CUDA backend can run (see {@link RequiresCuda}). */
  static final class Available implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      Optional<String> why = unavailableReason();
      if (why.isEmpty()) {
        return ConditionEvaluationResult.enabled("the CUDA backend can run: " + new CudaBackend().description());
      }
      if (Boolean.getBoolean(REQUIRE_PROPERTY)) {
        throw new IllegalStateException(REQUIRE_PROPERTY + "=true but the CUDA backend cannot run here: " + why.get());
      }
      if (REPORTED.compareAndSet(false, true)) {
        LOG.warn("CUDA tests skipped: {}", why.get());
      }
      return ConditionEvaluationResult.disabled("the CUDA backend cannot run here: " + why.get());
    }
  }

  /** Enables a test only where the CUDA backend cannot run (a machine without a GPU or library). */
  static final class Unavailable implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      Optional<String> why = unavailableReason();
      return why.isPresent()
          ? ConditionEvaluationResult.enabled("the CUDA backend cannot run here: " + why.get())
          : ConditionEvaluationResult.disabled("the CUDA backend can run here; this test is for machines without it");
    }
  }
}
