package org.lactspark.kernel.optim;

import java.util.Arrays;
import org.lactspark.kernel.params.ParamLayout;
import org.lactspark.kernel.params.ParamSpec;

/**
 * AdamW with decoupled weight decay (Loshchilov and Hutter) over a flat float32 parameter vector:
 *
 * <pre>
 *   m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
 *   p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)  +  lr * wd * p   (wd only where decayed)
 * </pre>
 *
 * The moments are float32 like the parameters; the arithmetic of one element is in float64. Weight
 * decay applies to the parameters a mask selects; {@link #forLayout} decays the matrices (rank >= 2)
 * and leaves norms, biases and vectors alone. Not thread-safe: one optimiser per parameter vector.
 */
public final class AdamW {
  private final AdamWConfig config;
  private final boolean[] decayed;
  private final float[] m;
  private final float[] v;
  private long steps;

  /**
   * @param size the flat vector's length
   * @param decayed per element, whether weight decay applies (null: everywhere)
   */
  public AdamW(AdamWConfig config, int size, boolean[] decayed) {
    if (decayed != null && decayed.length != size) {
      throw new IllegalArgumentException("decayed: length " + decayed.length + " but size is " + size);
    }
    this.config = config;
    this.decayed = decayed == null ? null : decayed.clone();
    this.m = new float[size];
    this.v = new float[size];
  }

  /** An optimiser for a layout's flat vector that decays its matrices only. */
  public static AdamW forLayout(AdamWConfig config, ParamLayout layout) {
    int size = Math.toIntExact(layout.size());
    boolean[] mask = new boolean[size];
    for (ParamSpec s : layout.specs()) {
      if (s.shape().length >= 2) {
        int off = Math.toIntExact(layout.offset(s.name()));
        Arrays.fill(mask, off, off + Math.toIntExact(s.size()), true);
      }
    }
    return new AdamW(config, size, mask);
  }

  /** Steps taken so far. */
  public long steps() {
    return steps;
  }

  /**
   * One step at learning rate {@code lr}.
   *
   * @throws IllegalArgumentException if a length is wrong or {@code lr} is negative or not finite
   */
  public void step(float[] params, float[] grads, double lr) {
    check(params, grads, lr);
    steps++;
    Coefficients k = coefficients(lr);
    for (int i = 0; i < params.length; i++) {
      element(i, params, grads[i], k, true);
    }
  }

  /**
   * One step, unless it would leave a parameter NaN or infinite (an update that overflows): then
   * nothing changes, the parameters, the moments and the step count included, and it returns false.
   * The check is a pass of arithmetic before the step, not a copy of the state.
   */
  public boolean stepIfFinite(float[] params, float[] grads, double lr) {
    check(params, grads, lr);
    Coefficients k = coefficients(lr, steps + 1);
    for (int i = 0; i < params.length; i++) {
      if (!Float.isFinite(element(i, params, grads[i], k, false))) {
        return false;
      }
    }
    step(params, grads, lr);
    return true;
  }

  private void check(float[] params, float[] grads, double lr) {
    if (params.length != m.length || grads.length != m.length) {
      throw new IllegalArgumentException("params/grads: lengths " + params.length + "/" + grads.length
          + " but the optimiser holds " + m.length);
    }
    if (!(lr >= 0) || !Double.isFinite(lr)) {
      throw new IllegalArgumentException("lr = " + lr + ": must be >= 0 and finite");
    }
  }

  /** What one step shares across elements: the bias corrections and the decay. */
  private record Coefficients(double b1, double b2, double c1, double c2, double lr, double decay, double eps) {}

  private Coefficients coefficients(double lr) {
    return coefficients(lr, steps);
  }

  private Coefficients coefficients(double lr, long t) {
    double b1 = config.beta1();
    double b2 = config.beta2();
    return new Coefficients(b1, b2, 1 - Math.pow(b1, t), 1 - Math.pow(b2, t), lr, lr * config.weightDecay(),
        config.eps());
  }

  /** Element {@code i}'s new value; with {@code write}, stores it and its moments. */
  private float element(int i, float[] params, double g, Coefficients k, boolean write) {
    double mi = k.b1() * m[i] + (1 - k.b1()) * g;
    double vi = k.b2() * v[i] + (1 - k.b2()) * g * g;
    double p = params[i];
    double update = k.lr() * (mi / k.c1()) / (Math.sqrt(vi / k.c2()) + k.eps());
    if (decayed == null || decayed[i]) {
      update += k.decay() * p;
    }
    float next = (float) (p - update);
    if (write) {
      m[i] = (float) mi;
      v[i] = (float) vi;
      params[i] = next;
    }
    return next;
  }

  /** A copy of the state (moments and step count), for checkpoints. */
  public State state() {
    return new State(m.clone(), v.clone(), steps);
  }

  /**
   * Restores a state from {@link #state()}.
   *
   * @throws IllegalArgumentException if its size differs
   */
  public void restore(State s) {
    if (s.m().length != m.length || s.v().length != v.length) {
      throw new IllegalArgumentException("state: size " + s.m().length + " but the optimiser holds " + m.length);
    }
    System.arraycopy(s.m(), 0, m, 0, m.length);
    System.arraycopy(s.v(), 0, v, 0, v.length);
    steps = s.steps();
  }

  /**
   * The optimiser's state.
   *
   * @param m first moments
   * @param v second moments
   * @param steps steps taken
   */
  public record State(float[] m, float[] v, long steps) implements java.io.Serializable {}
}
