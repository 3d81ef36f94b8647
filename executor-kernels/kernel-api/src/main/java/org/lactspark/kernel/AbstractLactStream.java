package org.lactspark.kernel;

/**
 * What every backend's {@link LactStream} shares: the spec and shape, the argument checks of
 * {@link LactStreamShape}, the update count and the closed state. A backend implements the checked
 * operations only; every public call on a closed stream throws {@link IllegalStateException}.
 */
public abstract class AbstractLactStream implements LactStream {
  private final LactSpec spec;
  private final LactStreamShape shape;
  private int updates;
  private boolean closed;

  /**
   * Checks the spec and the initial weights ({@link LactStreamShape#of}).
   *
   * @throws IllegalArgumentException for a bidirectional spec or misshapen weights
   */
  protected AbstractLactStream(LactSpec spec, HostTensor w0, HostTensor w1, HostTensor w2) {
    this.shape = LactStreamShape.of(spec, w0, w1, w2);
    this.spec = spec;
  }

  @Override
  public final LactSpec spec() {
    return spec;
  }

  @Override
  public final LactStreamShape shape() {
    return shape;
  }

  @Override
  public final int updates() {
    return updates;
  }

  @Override
  public final HostTensor read(HostTensor q) {
    requireOpen();
    int t = shape.checkQueries(q);
    return readChecked(q, t);
  }

  @Override
  public final void write(HostTensor k, HostTensor v, HostTensor lr0, HostTensor lr1, HostTensor lr2,
      HostTensor momentum) {
    requireOpen();
    int c = shape.checkChunk(spec, k, v, lr0, lr1, lr2, momentum);
    writeChecked(k, v, lr0, lr1, lr2, momentum, c);
    updates++;
  }

  @Override
  public final HostTensor[] weights() {
    requireOpen();
    return weightsChecked();
  }

  @Override
  public final void close() {
    if (!closed) {
      closed = true;
      release();
    }
  }

  /** {@link #read} with {@code q [n, t, dIn]} checked. */
  protected abstract HostTensor readChecked(HostTensor q, int t);

  /** {@link #write} of a checked chunk of {@code c} tokens ({@code momentum} null without momentum). */
  protected abstract void writeChecked(HostTensor k, HostTensor v, HostTensor lr0, HostTensor lr1, HostTensor lr2,
      HostTensor momentum, int c);

  /** {@link #weights} of an open stream. */
  protected abstract HostTensor[] weightsChecked();

  /** Frees the backend's state; called once, by the first {@link #close}. */
  protected abstract void release();

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("stream: closed");
    }
  }
}
