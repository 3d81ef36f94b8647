package org.lactspark.kernel;

/**
 * The LaCT fast-weight op and its Newton-Schulz building block, in one precision of one backend.
 *
 * <p>The forward computes, per instance, {@code f_W(x) = W1 (silu(W0 x) * (W2 x))} applied to the
 * queries while the keys and values write into W chunk by chunk, as {@link LactSchedule} orders it.
 * An update is the negative dot-product inner loss's closed-form gradient step scaled per token by
 * the learning rates, optionally with momentum (the chunk mean of the coefficients times the
 * previous update) and Muon (Newton-Schulz), followed by the row renormalisation to the initial row
 * norms. The backward is hand-written and returns the gradient of {@code sum(output * dOut)} with
 * respect to every input.
 *
 * <p>Implementations are thread-safe unless they say otherwise.
 */
public interface LactKernel {

  /** The precision this kernel computes in. */
  DType dtype();

  /**
   * Runs the op.
   *
   * @throws IllegalArgumentException if the inputs do not fit the spec
   */
  LactForwardPass forward(LactSpec spec, LactInputs inputs);

  /**
   * Gradients of {@code sum(output * dOut)}.
   *
   * @param pass an open forward pass of this kernel
   * @param dOut upstream gradient, shaped like the output
   * @throws IllegalArgumentException if {@code dOut} is misshapen or not finite
   * @throws IllegalStateException if the pass was closed
   */
  LactGradients backward(LactForwardPass pass, HostTensor dOut);

  /**
   * Opens a {@link LactStream}: the block-causal op fed chunk by chunk, starting from the initial
   * weights {@code w0, w2 [n, dH, dIn]} and {@code w1 [n, dIn, dH]} (copied; the row norms the
   * updates renormalise to are taken from them) with zero momentum buffers.
   *
   * @throws IllegalArgumentException for a bidirectional spec (naming the mode) or misshapen
   *     weights (naming the argument)
   */
  LactStream stream(LactSpec spec, HostTensor w0, HostTensor w1, HostTensor w2);

  /**
   * Newton-Schulz orthogonalisation of each matrix of {@code g [b, rows, cols]}: tall matrices are
   * transposed first, then {@code X = G / (||G||_F + 1e-7)} and one iteration per schedule step.
   */
  HostTensor newtonSchulz(HostTensor g, NewtonSchulzSchedule schedule);

  /** The gradient of {@code sum(newtonSchulz(g) * dX)} with respect to {@code g}. */
  HostTensor newtonSchulzBackward(HostTensor g, HostTensor dX, NewtonSchulzSchedule schedule);
}
