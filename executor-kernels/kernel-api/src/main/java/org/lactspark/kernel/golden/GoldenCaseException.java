package org.lactspark.kernel.golden;

/** A golden-vector case that cannot be read: the message names the case and the file. */
public class GoldenCaseException extends Exception {
  private static final long serialVersionUID = 1L;

  /** With a message that names the case and the file. */
  public GoldenCaseException(String message, Throwable cause) {
    super(message, cause);
  }

  /** With a message that names the case and the file. */
  public GoldenCaseException(String message) {
    super(message);
  }
}
