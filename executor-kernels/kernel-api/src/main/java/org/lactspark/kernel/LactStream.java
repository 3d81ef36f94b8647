package org.lactspark.kernel;

/**
 * The block-causal LaCT op run chunk by chunk: the state the whole-sequence forward carries from
 * one chunk to the next (the current fast weights, the pre-norm accumulators, the momentum buffers
 * and the initial row norms the weights are renormalised to), kept between calls so a caller can
 * feed a sequence in pieces.
 *
 * <p>{@link #read} outputs {@code f_W(q)} with the current weights and changes nothing; {@link
 * #write} performs exactly one update, the same maths as one {@link LactSchedule.Kind#UPDATE} step
 * of {@link LactKernel#forward}. Replaying a schedule (every {@code APPLY} as a read of its
 * queries, every {@code UPDATE} as a write of its chunk) therefore reproduces the forward's output
 * and {@link LactForwardPass#finalWeights()}. A streaming caller gets there by reading each token's
 * query when it arrives and writing a chunk once its {@code chunkSize} tokens are complete: a token
 * of chunk {@code i} then reads the weights after {@code i} updates, as in the forward.
 *
 * <p>Inference only: nothing is kept for a backward pass, so memory is one set of weights (plus
 * accumulators and momentum buffers), whatever the length streamed. Not thread-safe. Native
 * memory is freed by {@link #close()}.
 */
public interface LactStream extends AutoCloseable {

  /** The spec the stream was opened with (always block-causal). */
  LactSpec spec();

  /** The instances and widths of the fast weights, as {@code stream} was opened with them. */
  LactStreamShape shape();

  /** Fast-weight instances. */
  default int n() {
    return shape().n();
  }

  /** Input and output width. */
  default int dIn() {
    return shape().dIn();
  }

  /** Hidden width. */
  default int dH() {
    return shape().dH();
  }

  /**
   * {@code f_W(q)} for queries {@code q [n, t, dIn]} ({@code t >= 1}) with the current weights.
   *
   * @return a new tensor {@code [n, t, dIn]}
   * @throws IllegalArgumentException naming {@code q} if it is misshapen; {@link NonFiniteException}
   *     if it holds a NaN or an infinity
   * @throws IllegalStateException if the stream was closed
   */
  HostTensor read(HostTensor q);

  /**
   * One update from one chunk of {@code c >= 1} tokens (the forward writes chunks of exactly
   * {@code spec().chunkSize()}): the closed-form inner-loss step scaled per token by the learning
   * rates, plus the chunk-mean momentum coefficient times the previous update when the spec has
   * momentum, Newton-Schulz when it has Muon, then the row renormalisation.
   *
   * @param k keys {@code [n, c, dIn]}
   * @param v values {@code [n, c, dIn]}
   * @param lr0 learning rates of W0 {@code [n, c, 1]}
   * @param lr1 learning rates of W1 {@code [n, c, 1]}
   * @param lr2 learning rates of W2 {@code [n, c, 1]}
   * @param momentum momentum coefficients {@code [n, c, 1]}; required when the spec has momentum,
   *     null otherwise
   * @throws IllegalArgumentException naming the misshapen or missing argument
   * @throws IllegalStateException if the stream was closed
   */
  void write(HostTensor k, HostTensor v, HostTensor lr0, HostTensor lr1, HostTensor lr2, HostTensor momentum);

  /**
   * The current fast weights {@code [W0, W1, W2]} in the shapes they were given (copies).
   *
   * @throws IllegalStateException if the stream was closed
   */
  HostTensor[] weights();

  /** Updates written so far. */
  int updates();

  /** Frees the state; idempotent. A closed stream refuses every other call. */
  @Override
  void close();
}
