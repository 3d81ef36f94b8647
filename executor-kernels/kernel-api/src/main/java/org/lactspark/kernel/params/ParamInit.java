package org.lactspark.kernel.params;

/** How a parameter is initialised. */
public sealed interface ParamInit permits ParamInit.Normal, ParamInit.Constant {

  /** Independent normal draws with mean 0. */
  record Normal(double std) implements ParamInit {
    /** Validates the std. */
    public Normal {
      if (!(std > 0) || !Double.isFinite(std)) {
        throw new IllegalArgumentException("std = " + std + ": must be > 0 and finite");
      }
    }
  }

  /** Every element equal to {@code value}. */
  record Constant(double value) implements ParamInit {}

  /** Zeros. */
  ParamInit ZEROS = new Constant(0.0);
  /** Ones. */
  ParamInit ONES = new Constant(1.0);
}
