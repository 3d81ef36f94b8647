package org.lactspark.model.golden;

import java.nio.file.Path;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.golden.ConformanceRunner;
import org.lactspark.kernel.golden.GoldenSuite;
import org.lactspark.kernel.spi.KernelBackend;

/** {@code fixtures/lact-layer}: the whole LaCT layer, run by {@link LayerGolden}. */
public final class LayerSuite implements GoldenSuite {
  @Override
  public String name() {
    return "layer";
  }

  @Override
  public boolean acceptsTitle(String title) {
    return title.contains("whole LaCT layer");
  }

  @Override
  public ConformanceRunner.CaseResult run(Path caseDir, KernelBackend backend, DType dtype) {
    return LayerGolden.run(caseDir, backend.kernel(dtype));
  }
}
