package org.lactspark.model.golden;

import java.nio.file.Path;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.golden.ConformanceRunner;
import org.lactspark.kernel.golden.CaseSuite;
import org.lactspark.kernel.spi.KernelBackend;

/** {@code fixtures/lact-layer}: the whole LaCT layer, run by {@link LayerGolden}. */
public final class LayerSuite extends CaseSuite {
  /** The ND4J layer suite (the op on any backend). */
  public LayerSuite() {
    super("layer", LAYER_TITLE, null);
  }

  @Override
  protected ConformanceRunner.CaseResult runOrThrow(Path caseDir, KernelBackend backend, DType dtype) {
    return LayerGolden.run(caseDir, backend.kernel(dtype));
  }
}
