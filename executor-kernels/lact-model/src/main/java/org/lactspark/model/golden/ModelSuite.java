package org.lactspark.model.golden;

import java.nio.file.Path;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.golden.ConformanceRunner;
import org.lactspark.kernel.golden.CaseSuite;
import org.lactspark.kernel.spi.KernelBackend;

/** {@code fixtures/lact-model}: the whole language model as a DL4J graph, run by {@link ModelGolden}. */
public final class ModelSuite extends CaseSuite {
  /** The ND4J model suite (the op on any backend). */
  public ModelSuite() {
    super("model", MODEL_TITLE, null);
  }

  @Override
  protected ConformanceRunner.CaseResult runOrThrow(Path caseDir, KernelBackend backend, DType dtype) {
    return ModelGolden.run(caseDir, backend.name(), dtype);
  }
}
