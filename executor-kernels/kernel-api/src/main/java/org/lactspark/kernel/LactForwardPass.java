package org.lactspark.kernel;

/**
 * The result of a forward pass: the output, and whatever the backend saved to run the backward.
 * Closing it frees that saved state (native memory for some backends); a closed pass cannot be
 * differentiated.
 */
public interface LactForwardPass extends AutoCloseable {

  /** The op's output {@code [n, L, dIn]}. */
  HostTensor output();

  /**
   * Bytes held for the backward pass. It grows linearly with the number of chunks (one set of fast
   * weights per update), never with {@code L^2}.
   */
  long savedStateBytes();

  /** Frees the saved state. Idempotent. */
  @Override
  void close();
}
