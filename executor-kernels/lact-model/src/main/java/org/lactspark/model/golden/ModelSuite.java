package org.lactspark.model.golden;

import java.nio.file.Path;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.golden.ConformanceRunner;
import org.lactspark.kernel.golden.GoldenSuite;
import org.lactspark.kernel.spi.KernelBackend;

/** {@code fixtures/lact-model}: the whole language model as a DL4J graph, run by {@link ModelGolden}. */
public final class ModelSuite implements GoldenSuite {
  @Override
  public String name() {
    return "model";
  }

  @Override
  public boolean acceptsTitle(String title) {
    return title.contains("whole LaCT language model");
  }

  @Override
  public ConformanceRunner.CaseResult run(Path caseDir, KernelBackend backend, DType dtype) {
    return ModelGolden.run(caseDir, backend.name(), dtype);
  }
}
