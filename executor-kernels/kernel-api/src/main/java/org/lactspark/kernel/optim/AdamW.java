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
    if (params.length != m.length || grads.length != m.length) {
      throw new IllegalArgumentException("params/grads: lengths " + params.length + "/" + grads.length
          + " but the optimiser holds " + m.length);
    }
    if (!(lr >= 0) || !Double.isFinite(lr)) {
      throw new IllegalArgumentException("lr = " + lr + ": must be >= 0 and finite");
    }
    steps++;
    double b1 = config.beta1();
    double b2 = config.beta2();
    double c1 = 1 - Math.pow(b1, steps);
    double c2 = 1 - Math.pow(b2, steps);
    double decay = lr * config.weightDecay();
    for (int i = 0; i < params.length; i++) {
      double g = grads[i];
      double mi = b1 * m[i] + (1 - b1) * g;
      double vi = b2 * v[i] + (1 - b2) * g * g;
      m[i] = (float) mi;
      v[i] = (float) vi;
      double p = params[i];
      double update = lr * (mi / c1) / (Math.sqrt(vi / c2) + config.eps());
      if (decayed == null || decayed[i]) {
        update += decay * p;
      }
      params[i] = (float) (p - update);
    }
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
