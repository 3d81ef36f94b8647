package org.lactspark.kernel;

/**
 * A failure inside a backend that is not the caller's fault: a native library error, a device
 * error, an environment problem. The message carries the backend's own words.
 */
public class KernelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** With a message. */
  public KernelException(String message) {
    super(message);
  }

  /** With a message and a cause. */
  public KernelException(String message, Throwable cause) {
    super(message, cause);
  }
}
