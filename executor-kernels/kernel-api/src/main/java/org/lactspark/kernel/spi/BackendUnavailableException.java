package org.lactspark.kernel.spi;

import org.lactspark.kernel.KernelException;

/** A backend was asked for but cannot run here; the message says exactly what is missing. */
public class BackendUnavailableException extends KernelException {
  private static final long serialVersionUID = 1L;

  /** With the reason. */
  public BackendUnavailableException(String message) {
    super(message);
  }
}
