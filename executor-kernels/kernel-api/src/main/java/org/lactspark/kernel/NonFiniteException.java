package org.lactspark.kernel;

/**
 * An input or gradient of the op holds NaN or an infinity. A training loop treats it as a bad
 * step (diverging parameters), not as a bug; everything else about the arguments stays an
 * ordinary {@link IllegalArgumentException}.
 */
public class NonFiniteException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** A non-finite value, described by {@code message}. */
  public NonFiniteException(String message) {
    super(message);
  }
}
