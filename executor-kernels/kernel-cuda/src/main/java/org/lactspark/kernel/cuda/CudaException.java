package org.lactspark.kernel.cuda;

import org.lactspark.kernel.KernelException;

/**
 * A CUDA or cuBLAS failure inside {@code liblactcuda}: the message carries the library's own words
 * (the failing call and CUDA's error string, for example {@code out of memory}). The native code
 * raises it through the {@link #CudaException(String)} constructor, so that constructor must stay.
 */
public class CudaException extends KernelException {
  private static final long serialVersionUID = 1L;

  /** With the native message (called from JNI). */
  public CudaException(String message) {
    super(message);
  }
}
