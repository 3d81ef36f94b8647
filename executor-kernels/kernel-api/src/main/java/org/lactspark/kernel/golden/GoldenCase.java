package org.lactspark.kernel.golden;

import java.nio.file.Path;
import java.util.Map;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactSpec;

/** One golden-vector case folder, fully loaded and checked. */
public sealed interface GoldenCase permits GoldenCase.LactOpCase, GoldenCase.NewtonSchulzCase {

  /** The folder name. */
  String name();

  /** The folder. */
  Path dir();

  /**
   * A {@code lact_swiglu_block_causal} case.
   *
   * @param spec what the op computes
   * @param inputs the op's inputs
   * @param dOut the upstream gradient
   * @param expectedOut the stored output {@code O}
   * @param expectedGrads stored gradients by input name ({@code w0 ... momentum})
   * @param officialBf16Error per-tensor relative error of the official bf16 GPU op, when stored
   */
  record LactOpCase(
      String name,
      Path dir,
      LactSpec spec,
      LactInputs inputs,
      HostTensor dOut,
      HostTensor expectedOut,
      Map<String, HostTensor> expectedGrads,
      Map<String, Double> officialBf16Error)
      implements GoldenCase {
    /** Copies the maps defensively. */
    public LactOpCase {
      expectedGrads = Map.copyOf(expectedGrads);
      officialBf16Error = Map.copyOf(officialBf16Error);
    }
  }

  /**
   * A {@code newton_schulz5} case: {@code X = NS5(G)}, {@code gradG = d sum(X * dX) / dG}.
   *
   * @param g the input batch {@code [b, rows, cols]}
   * @param x the stored output
   * @param dX the upstream gradient
   * @param gradG the stored gradient
   */
  record NewtonSchulzCase(
      String name, Path dir, HostTensor g, HostTensor x, HostTensor dX, HostTensor gradG)
      implements GoldenCase {}
}
