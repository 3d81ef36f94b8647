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

  /**
   * The fast weights after the last update, {@code [W0, W1, W2]} in the shapes of the inputs (the
   * initial weights if nothing was written): the state a streaming caller carries into the next
   * call, and what the row-norm invariant is checked on.
   *
   * @throws IllegalStateException if the pass was closed
   */
  HostTensor[] finalWeights();

  /** Frees the saved state. Idempotent. */
  @Override
  void close();
}
