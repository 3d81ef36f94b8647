package org.lactspark.kernel;

import java.util.Arrays;
import java.util.Objects;

/**
 * The shape of a {@link LactStream} and the checks every backend applies to its arguments, so the
 * messages (each naming the argument) are the same whatever the backend.
 *
 * @param n fast-weight instances
 * @param dIn input and output width
 * @param dH hidden width
 */
public record LactStreamShape(int n, int dIn, int dH) {

  /**
   * Checks a stream's opening arguments: a block-causal spec and finite initial weights
   * {@code w0, w2 [n, dH, dIn]}, {@code w1 [n, dIn, dH]}.
   *
   * @throws IllegalArgumentException naming the argument (the mode for a bidirectional spec)
   */
  public static LactStreamShape of(LactSpec spec, HostTensor w0, HostTensor w1, HostTensor w2) {
    Objects.requireNonNull(spec, "spec");
    if (spec.mode() != LactMode.BLOCK_CAUSAL) {
      throw new IllegalArgumentException("spec: mode " + spec.mode()
          + " cannot be streamed; only BLOCK_CAUSAL (apply, then update, chunk by chunk) can");
    }
    if (w0 == null || w0.rank() != 3) {
      throw new IllegalArgumentException("w0: expected rank 3 [n, dH, dIn], got "
          + (w0 == null ? "null" : w0.shapeString()));
    }
    LactStreamShape s = new LactStreamShape(w0.dim(0), w0.dim(2), w0.dim(1));
    if (s.n < 1 || s.dIn < 1 || s.dH < 1) {
      throw new IllegalArgumentException("w0: every dimension must be >= 1, got " + w0.shapeString());
    }
    require("w1", w1, s.n, s.dIn, s.dH);
    require("w2", w2, s.n, s.dH, s.dIn);
    finite("w0", w0);
    finite("w1", w1);
    finite("w2", w2);
    return s;
  }

  /**
   * Checks queries {@code q [n, t, dIn]} and returns {@code t}.
   *
   * @throws IllegalArgumentException naming {@code q}
   */
  public int checkQueries(HostTensor q) {
    int t = tokens("q", q);
    require("q", q, n, t, dIn);
    finite("q", q);
    return t;
  }

  /**
   * Checks one chunk's arguments of {@link LactStream#write} and returns its length {@code c}.
   *
   * @throws IllegalArgumentException naming the argument
   */
  public int checkChunk(LactSpec spec, HostTensor k, HostTensor v, HostTensor lr0, HostTensor lr1,
      HostTensor lr2, HostTensor momentum) {
    int c = tokens("k", k);
    require("k", k, n, c, dIn);
    require("v", v, n, c, dIn);
    require("lr0", lr0, n, c, 1);
    require("lr1", lr1, n, c, 1);
    require("lr2", lr2, n, c, 1);
    if (spec.momentum()) {
      if (momentum == null) {
        throw new IllegalArgumentException("momentum: the spec enables momentum but no coefficients were given");
      }
      require("momentum", momentum, n, c, 1);
      finite("momentum", momentum);
    } else if (momentum != null) {
      throw new IllegalArgumentException("momentum: the spec has no momentum; pass null");
    }
    finite("k", k);
    finite("v", v);
    finite("lr0", lr0);
    finite("lr1", lr1);
    finite("lr2", lr2);
    return c;
  }

  private int tokens(String name, HostTensor t) {
    if (t == null) {
      throw new IllegalArgumentException(name + ": missing");
    }
    if (t.rank() != 3) {
      throw new IllegalArgumentException(name + ": expected rank 3 [n=" + n + ", tokens, " + dIn + "], got "
          + t.shapeString());
    }
    if (t.dim(1) < 1) {
      throw new IllegalArgumentException(name + ": no tokens (shape " + t.shapeString() + ")");
    }
    return t.dim(1);
  }

  private static void require(String name, HostTensor t, int... shape) {
    if (t == null) {
      throw new IllegalArgumentException(name + ": missing");
    }
    if (!t.hasShape(shape)) {
      throw new IllegalArgumentException(name + ": expected shape " + Arrays.toString(shape) + ", got "
          + t.shapeString());
    }
  }

  private static void finite(String name, HostTensor t) {
    int i = t.firstNonFinite();
    if (i >= 0) {
      throw new NonFiniteException(name + ": non-finite value " + t.data()[i] + " at flat index " + i);
    }
  }
}
