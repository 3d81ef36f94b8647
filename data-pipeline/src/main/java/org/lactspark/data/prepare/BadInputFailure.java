package org.lactspark.data.prepare;

import org.lactspark.data.source.BadInput;

/** The prepare job stopped at bad input (policy {@code fail}); the message says where and what. */
public final class BadInputFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final BadInput problem;

  /** A failure at {@code problem}. */
  public BadInputFailure(BadInput problem, Throwable cause) {
    super("bad input: " + problem + " (set onBadInput=skip to leave such input out and report it)", cause);
    this.problem = problem;
  }

  /** What was wrong and where. */
  public BadInput problem() {
    return problem;
  }
}
