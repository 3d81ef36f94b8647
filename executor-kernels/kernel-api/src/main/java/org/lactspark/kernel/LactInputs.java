package org.lactspark.kernel;

import java.util.Objects;

/**
 * The inputs of the LaCT op for {@code n} independent fast-weight instances (batch times heads).
 * Shapes: {@code w0, w2 [n, dH, dIn]}; {@code w1 [n, dIn, dH]}; {@code q, k, v [n, L, dIn]};
 * {@code lr0, lr1, lr2} and {@code momentum} {@code [n, L, 1]}; {@code writeMask [n, L]}.
 *
 * <p>{@code lr0}, {@code lr1} and {@code lr2} are the per-token learning rates of the gate matrix W0,
 * the down matrix W1 and the up matrix W2. {@code momentum} holds the per-token momentum
 * coefficients (required when the spec asks for momentum, ignored otherwise). {@code writeMask} (may
 * be null: every token writes) marks with 1 the tokens that write into the fast weights and with 0
 * those that only read them: padding in block-causal mode, non-writer views in bidirectional mode.
 * A non-writer's learning rates count as zero and it is left out of the chunk's momentum mean.
 *
 * <p>The constructor checks every shape and value and names the offending argument.
 */
public record LactInputs(
    HostTensor w0,
    HostTensor w1,
    HostTensor w2,
    HostTensor q,
    HostTensor k,
    HostTensor v,
    HostTensor lr0,
    HostTensor lr1,
    HostTensor lr2,
    HostTensor momentum,
    HostTensor writeMask) {

  /** Validates shapes and values. */
  public LactInputs {
    requireRank("w0", w0, 3);
    int n = w0.dim(0);
    int dH = w0.dim(1);
    int dIn = w0.dim(2);
    requireShape("w1", w1, n, dIn, dH);
    requireShape("w2", w2, n, dH, dIn);
    requireRank("q", q, 3);
    int len = q.dim(1);
    if (n < 1 || dH < 1 || dIn < 1) {
      throw new IllegalArgumentException("w0: every dimension must be >= 1, got " + w0.shapeString());
    }
    if (len < 1) {
      throw new IllegalArgumentException("q: zero-length sequence (shape " + q.shapeString() + ")");
    }
    requireShape("q", q, n, len, dIn);
    requireShape("k", k, n, len, dIn);
    requireShape("v", v, n, len, dIn);
    requireShape("lr0", lr0, n, len, 1);
    requireShape("lr1", lr1, n, len, 1);
    requireShape("lr2", lr2, n, len, 1);
    if (momentum != null) {
      requireShape("momentum", momentum, n, len, 1);
    }
    if (writeMask != null) {
      requireShape("writeMask", writeMask, n, len);
      for (double m : writeMask.data()) {
        if (m != 0.0 && m != 1.0) {
          throw new IllegalArgumentException("writeMask: values must be 0 or 1, found " + m);
        }
      }
    }
    requireFinite("w0", w0);
    requireFinite("w1", w1);
    requireFinite("w2", w2);
    requireFinite("q", q);
    requireFinite("k", k);
    requireFinite("v", v);
    requireFinite("lr0", lr0);
    requireFinite("lr1", lr1);
    requireFinite("lr2", lr2);
    if (momentum != null) {
      requireFinite("momentum", momentum);
    }
  }

  /** Inputs without a write mask (every token writes). */
  public static LactInputs of(
      HostTensor w0, HostTensor w1, HostTensor w2,
      HostTensor q, HostTensor k, HostTensor v,
      HostTensor lr0, HostTensor lr1, HostTensor lr2,
      HostTensor momentum) {
    return new LactInputs(w0, w1, w2, q, k, v, lr0, lr1, lr2, momentum, null);
  }

  /** These inputs with a write mask {@code [n, L]} (null: every token writes). */
  public LactInputs withWriteMask(HostTensor mask) {
    return new LactInputs(w0, w1, w2, q, k, v, lr0, lr1, lr2, momentum, mask);
  }

  /**
   * The input named as in the golden vectors ({@code w0 ... momentum}); null for an absent
   * momentum.
   *
   * @throws IllegalArgumentException for an unknown name
   */
  public HostTensor byName(String name) {
    return switch (name) {
      case "w0" -> w0;
      case "w1" -> w1;
      case "w2" -> w2;
      case "q" -> q;
      case "k" -> k;
      case "v" -> v;
      case "lr0" -> lr0;
      case "lr1" -> lr1;
      case "lr2" -> lr2;
      case "momentum" -> momentum;
      default -> throw new IllegalArgumentException("no input named '" + name + "'");
    };
  }

  /** Fast-weight instances (batch times heads). */
  public int n() {
    return w0.dim(0);
  }

  /** Input and output width of the fast SwiGLU. */
  public int dIn() {
    return w0.dim(2);
  }

  /** Hidden width of the fast SwiGLU. */
  public int dH() {
    return w0.dim(1);
  }

  /** Sequence length. */
  public int seqLen() {
    return q.dim(1);
  }

  /**
   * Checks that these inputs fit {@code spec}: momentum coefficients present when it asks for them.
   */
  public void checkAgainst(LactSpec spec) {
    Objects.requireNonNull(spec, "spec");
    if (spec.momentum() && momentum == null) {
      throw new IllegalArgumentException("momentum: the spec enables momentum but no coefficients were given");
    }
  }

  private static void requireRank(String name, HostTensor t, int rank) {
    if (t == null) {
      throw new IllegalArgumentException(name + ": missing");
    }
    if (t.rank() != rank) {
      throw new IllegalArgumentException(
          name + ": expected rank " + rank + ", got shape " + t.shapeString());
    }
  }

  private static void requireShape(String name, HostTensor t, int... shape) {
    if (t == null) {
      throw new IllegalArgumentException(name + ": missing");
    }
    if (!t.hasShape(shape)) {
      throw new IllegalArgumentException(
          name + ": expected shape " + java.util.Arrays.toString(shape) + ", got " + t.shapeString());
    }
  }

  private static void requireFinite(String name, HostTensor t) {
    int i = t.firstNonFinite();
    if (i >= 0) {
      throw new NonFiniteException(
          name + ": non-finite value " + t.data()[i] + " at flat index " + i);
    }
  }
}
