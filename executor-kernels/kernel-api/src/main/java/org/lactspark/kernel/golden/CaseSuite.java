package org.lactspark.kernel.golden;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.spi.KernelBackend;

/**
 * A {@link GoldenSuite} of layer or model cases: named, recognised by the phrase its fixtures'
 * README title carries, and running each case so that a problem becomes the case's error, never an
 * exception.
 */
public abstract class CaseSuite implements GoldenSuite {
  /** The title phrase of {@code fixtures/lact-layer}. */
  public static final String LAYER_TITLE = "whole LaCT layer";
  /** The title phrase of {@code fixtures/lact-model}. */
  public static final String MODEL_TITLE = "whole LaCT language model";

  private final String name;
  private final String titlePhrase;
  private final String onlyBackend;

  /**
   * @param onlyBackend the one backend this suite checks (it is then preferred for it), or null for
   *     a suite that builds its model around any backend's op
   */
  protected CaseSuite(String name, String titlePhrase, String onlyBackend) {
    this.name = name;
    this.titlePhrase = titlePhrase;
    this.onlyBackend = onlyBackend;
  }

  /** 0 for every backend; with one backend of its own, 10 for it and -1 (never) for the others. */
  @Override
  public int preference(String backend) {
    if (onlyBackend == null) {
      return 0;
    }
    return onlyBackend.equals(backend) ? 10 : -1;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final boolean acceptsTitle(String title) {
    return title.contains(titlePhrase);
  }

  @Override
  public final ConformanceRunner.CaseResult run(Path dir, KernelBackend backend, DType dtype) {
    String caseName = dir.getFileName().toString();
    try {
      return runOrThrow(dir, backend, dtype);
    } catch (IOException | RuntimeException e) {
      return new ConformanceRunner.CaseResult(caseName, List.of(), "case " + caseName + ": " + e.getMessage());
    }
  }

  /** Runs one case folder. */
  protected abstract ConformanceRunner.CaseResult runOrThrow(Path dir, KernelBackend backend, DType dtype) throws IOException;
}
